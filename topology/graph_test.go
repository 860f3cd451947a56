package topology

import (
	"flag"
	"os"
	"path/filepath"
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
