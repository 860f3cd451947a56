package topology

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

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
	for _, p := range []*Pipeline{susyPipeline(t), shardedPipeline(t)} {
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
		for _, name := range []string{WriterRouteBatches, WriterCheckpointTicks, WriterPinCommands} {
			if _, ok := graph.Writer(name); !ok {
				t.Errorf("%s: no writer %q", p.Config.Name, name)
			}
		}
	}
}

func TestGolden(t *testing.T) {
	p := susyPipeline(t)
	for _, tt := range []struct{ file, got string }{
		{"susy.dot", p.DOT()},
		{"susy.txt", p.Text()},
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
