package topology

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
)

func shardedPipeline(t *testing.T) *Pipeline {
	t.Helper()
	c, err := config.Load(filepath.Join("..", "examples", "susy-sharded.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShardedGroups(t *testing.T) {
	p := shardedPipeline(t)
	if !p.Sharded() || susyPipeline(t).Sharded() {
		t.Fatal("Sharded: want true for susy-sharded.yaml, false for susy.yaml")
	}
	var names []goka.Group
	for _, g := range p.Groups() {
		if err := g.Validate(); err != nil {
			t.Errorf("group %s: %v", g.Group(), err)
		}
		names = append(names, g.Group())
	}
	if !slices.Contains(names, p.Topics.MergeGroup) {
		t.Errorf("groups %v: no merge group", names)
	}
	unsharded := susyPipeline(t)
	for _, g := range unsharded.Groups() {
		merges := g.Group() == unsharded.Topics.MergeGroup
		for _, e := range g.LookupTables() {
			merges = merges || e.Topic() == string(unsharded.Topics.MergeTable)
		}
		if merges {
			t.Errorf("unsharded pipeline: group %s has merge edges", g.Group())
		}
	}
	if d := p.Dangling(); len(d) > 0 {
		t.Errorf("topics nobody produces or consumes: %v", d)
	}
}

func TestGoldenSharded(t *testing.T) {
	p := shardedPipeline(t)
	for _, tt := range []struct{ file, got string }{
		{"susy-sharded.dot", p.DOT()},
		{"susy-sharded.txt", p.Text()},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			if *update {
				if err := os.WriteFile(path, []byte(tt.got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./topology -update)", err)
			}
			if string(want) != tt.got {
				t.Errorf("%s differs from the golden file:\n%s", tt.file, tt.got)
			}
		})
	}
}

const shardedTesterYAML = `
name: s
partitions: 2
input:
  topics: [in]
  columns: [y, f0, f1]
  label: {from: column, column: y}
models:
  - name: m
    shards: 2
    mix_every: 5
    metrics: {window: 10, buckets: 5, emit_every: 1000}
`

// TestShardedDAGOnTester runs route, learn and merge on goka's tester: the
// rows spread over both shards, every row is predicted, the shards publish
// every 5 rows and the merge table holds both shards and their merged
// model.
func TestShardedDAGOnTester(t *testing.T) {
	p, tt := runTester(t, shardedTesterYAML)
	preds := tt.NewQueueTracker(string(p.Topics.Predictions))
	const rows = 200
	for i := range rows {
		y := i % 2
		tt.Consume("in", "", []byte(fmt.Sprintf("%d,%g,%g", y, float64(2*y-1)+0.1*float64(i%7), float64(i%5))))
	}
	keys := table.ShardKeys("m", 2, 2)
	var learned int64
	for _, k := range keys {
		st, ok := tt.TableValue(p.Topics.LearnTable, k).(*table.ModelState)
		if !ok || st.Rows == 0 {
			t.Fatalf("shard %s: state %v", k, st)
		}
		learned += st.Rows
	}
	if learned != rows {
		t.Errorf("shards learned %d rows, want %d", learned, rows)
	}
	n := 0
	for {
		_, v, ok := preds.Next()
		if !ok {
			break
		}
		n += len(v.(*wire.PredictionBatch).Predictions)
	}
	if n != rows {
		t.Errorf("predictions %d, want %d", n, rows)
	}
	merged, ok := tt.TableValue(p.Topics.MergeTable, "m").(*table.ModelState)
	if !ok {
		t.Fatalf("merge table value %T", tt.TableValue(p.Topics.MergeTable, "m"))
	}
	var published int64
	for i, k := range keys {
		sh := merged.Shards[i]
		st := tt.TableValue(p.Topics.LearnTable, k).(*table.ModelState)
		if sh == nil || sh.Key != k || sh.Rows != st.Rows/5*5 {
			t.Errorf("shard %d in the merge table: %+v, want key %s at %d rows", i, sh, k, st.Rows/5*5)
			continue
		}
		published += sh.Rows
	}
	if merged.Rows != published || merged.Key != "m" || merged.Learner.Seen() != published {
		t.Errorf("merged: key %q rows %d seen %d, want m and %d", merged.Key, merged.Rows, merged.Learner.Seen(), published)
	}
	if acc := merged.Window.Values()[0].Value; !(acc > 0.9) {
		t.Errorf("merged window accuracy %v on a separable stream", acc)
	}
}
