package topology

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/examples"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func susyPipeline(t *testing.T) *Pipeline {
	t.Helper()
	c, err := config.Parse(examples.SUSY, "examples/susy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGroupsValidate(t *testing.T) {
	for _, g := range susyPipeline(t).Groups() {
		if err := g.Validate(); err != nil {
			t.Errorf("group %s: %v", g.Group(), err)
		}
	}
}

func TestNoDanglingTopics(t *testing.T) {
	if d := susyPipeline(t).Dangling(); len(d) > 0 {
		t.Errorf("topics nobody produces or consumes: %v", d)
	}
}

// TestGraphDeclaresEveryTopic: every topic the pipeline creates, and every
// input, is read or written by something the Graph declares, so the
// rendered DAG misses nothing.
func TestGraphDeclaresEveryTopic(t *testing.T) {
	for _, p := range []*Pipeline{susyPipeline(t), shardedPipeline(t), shardedServing(t), delayedPipeline(t)} {
		graph := p.Graph()
		seen := map[string]bool{}
		for _, g := range graph.Groups {
			for _, e := range slices.Concat(g.InputStreams(), g.OutputStreams(), g.LookupTables(), g.JointTables()) {
				seen[e.Topic()] = true
			}
			if e := g.GroupTable(); e != nil {
				seen[e.Topic()] = true
			}
		}
		for _, w := range graph.Writers {
			seen[string(w.Topic)] = true
		}
		for _, c := range p.Topics.Created() {
			if !seen[c.Name] && (c.Name != string(p.Topics.Shards) && c.Name != string(p.Topics.MergeTable) || p.Sharded()) {
				t.Errorf("%s: topic %s is in no declaration of the Graph", p.Config.Name, c.Name)
			}
		}
		for _, in := range p.Topics.Inputs {
			if !seen[string(in)] {
				t.Errorf("%s: input %s is in no declaration of the Graph", p.Config.Name, in)
			}
		}
		for _, name := range []string{WriterRouteBatches, WriterCheckpointTicks, WriterPinCommands, WriterAPIPinCommands, WriterServingOverrides} {
			if _, ok := graph.Writer(name); !ok && (name != WriterServingOverrides || p.Topics.Serves()) {
				t.Errorf("%s: no writer %q", p.Config.Name, name)
			}
		}
		if d := p.Dangling(); len(d) > 0 {
			t.Errorf("%s: topics nobody produces or consumes: %v", p.Config.Name, d)
		}
	}
}

func TestGolden(t *testing.T) {
	p, d := susyPipeline(t), delayedPipeline(t)
	for _, tt := range []struct{ file, got string }{
		{"susy.dot", p.DOT()},
		{"susy.txt", p.Text()},
		{"susy-delayed.dot", d.DOT()},
		{"susy-delayed.txt", d.Text()},
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

// shardedServing is a sharded pipeline with deployments: its score group
// looks the merged model up in the merge table.
func shardedServing(t *testing.T) *Pipeline {
	t.Helper()
	c, err := config.Parse([]byte(`
name: ss
input: {topics: [in], columns: [y, a, b], label: {from: column, column: y}}
models:
  - {name: m, shards: 2}
  - {name: e, key: a}
serve:
  - {name: d1, topics: [t1, t2], model: m}
  - {name: d2, topics: [t2], model: e, state: pinned, output: other}
`), "ss.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestScoreGroup: the score group reads every served topic once, looks up
// the learn, merge (sharded models only), checkpoint and serving tables,
// writes every output once; without deployments there is no score group.
func TestScoreGroup(t *testing.T) {
	p := shardedServing(t)
	g, err := p.Group(p.Topics.ScoreGroup)
	if err != nil {
		t.Fatal(err)
	}
	var in, lookups, out []string
	for _, e := range g.InputStreams() {
		in = append(in, e.Topic())
	}
	for _, e := range g.LookupTables() {
		lookups = append(lookups, e.Topic())
	}
	for _, e := range g.OutputStreams() {
		out = append(out, e.Topic())
	}
	want := "[t1 t2] [ss-learn-table ss-merge-table ss-checkpoint-table ss.serving] [ss.scores other ss.score-metrics ss.deadletter]"
	if got := fmt.Sprint(in, " ", lookups, " ", out); got != want {
		t.Errorf("score group %s, want %s", got, want)
	}
	if err := g.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := shardedPipeline(t).Group(goka.Group("susy-sharded-score")); err == nil {
		t.Error("a pipeline without deployments has a score group")
	}
	created := map[string]bool{}
	for _, c := range p.Topics.Created() {
		created[c.Name] = c.Compacted
	}
	for name, compacted := range map[string]bool{"ss.scores": false, "other": false, "ss.score-metrics": false, "ss.serving": true} {
		if c, ok := created[name]; !ok || c != compacted {
			t.Errorf("created topic %s: %v %v, want compacted %v", name, ok, c, compacted)
		}
	}
}

// TestServeOutputNotOwn: a deployment cannot write a topic the pipeline
// names itself.
func TestServeOutputNotOwn(t *testing.T) {
	for _, out := range []string{"p.predictions", "p-learn-table", "p.serving", "p.score-metrics", "p.deadletter"} {
		c, err := config.Parse([]byte(`
name: p
input: {topics: [in], columns: [a, b]}
models: [{name: m}]
serve: [{name: d, topics: [t], model: m, output: `+out+`}]
`), "p.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = Build(c)
		var fe *config.FieldError
		if !errors.As(err, &fe) || fe.Field != "serve[0].output" {
			t.Errorf("output %s: %v", out, err)
		}
	}
}

// TestCheckPromote: a deployment can serve another model of its task, in
// a valid state; anything else is refused with what is wrong.
func TestCheckPromote(t *testing.T) {
	c, err := config.Parse([]byte(`
name: p
input: {topics: [in], columns: [y, a, b], label: {from: column, column: y}}
models:
  - {name: m}
  - {name: m2, optimizer: {name: sgd}}
  - {name: r, task: regression}
serve: [{name: d, topics: [t], model: m}]
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		deployment, model, state, err string
	}{
		{"d", "m2", "", ""},
		{"d", "m2", "pinned", ""},
		{"d", "m", "4", ""},
		{"x", "m2", "", `no deployment "x" in pipeline p (have: d)`},
		{"d", "nope", "", `no model "nope" in pipeline p (have: m, m2, r)`},
		{"d", "r", "", "the task must be the same"},
		{"d", "m2", "newest", `got "newest"`},
	} {
		_, err := p.CheckPromote(tt.deployment, tt.model, table.ServeState(tt.state))
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("promote %s on %s (%q): %v, want %q", tt.model, tt.deployment, tt.state, err, tt.err)
		}
	}
}
