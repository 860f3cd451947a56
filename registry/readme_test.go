package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/model"
)

// readmeSnippet is the Python scorer of README.md's "The export format",
// between its markers, without the code fence.
func readmeSnippet(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "<!-- export-snippet:begin -->\n```python\n")
	code, _, ok2 := strings.Cut(rest, "```\n<!-- export-snippet:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no python block between the export-snippet markers")
	}
	return code
}

// pyDriver scores the rows of a JSON file (argv[2]) with the export
// (argv[1]) through the README's functions, one JSON list per row.
const pyDriver = `
import sys
p = load(sys.argv[1])
with open(sys.argv[2]) as f:
    rows = json.load(f)
for row in rows:
    s = score(p, row)
    print(json.dumps(s if isinstance(s, list) else [s]))
`

// TestReadmeScorer: the README's pure-Python scorer, run on JSON exports
// of trained binary, multiclass and regression models, predicts what
// model.Predict does, within 1e-9.
func TestReadmeScorer(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "score.py")
	if err := os.WriteFile(script, []byte(readmeSnippet(t)+pyDriver), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  model.Config
	}{
		{"binary", model.Config{Task: model.TaskBinary, Features: 3, Standardize: true}},
		{"multiclass", model.Config{Task: model.TaskMulticlass, Classes: 3, Features: 4, Standardize: true}},
		{"multiclass-raw", model.Config{Task: model.TaskMulticlass, Classes: 4, Features: 2}},
		{"regression", model.Config{Task: model.TaskRegression, Features: 3, Standardize: true}},
		{"regression-target", model.Config{Task: model.TaskRegression, Features: 3, Standardize: true, StandardizeTarget: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := model.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			row := func() []float64 {
				x := make([]float64, tc.cfg.Features)
				for i := range x {
					x[i] = 10*rng.Float64() - 3 + float64(i)
				}
				return x
			}
			for range 500 {
				x := row()
				var y float64
				switch tc.cfg.Task {
				case model.TaskBinary:
					y = float64(int(x[0]+x[1]) % 2)
				case model.TaskMulticlass:
					y = float64(int(math.Abs(x[0])) % tc.cfg.Classes)
				default:
					y = 2*x[0] - x[1] + 1
				}
				if err := m.Learn(x, y); err != nil {
					t.Fatal(err)
				}
			}
			state, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := json.Marshal(m.Config())
			if err != nil {
				t.Fatal(err)
			}
			reg := &table.Registry{Model: tc.name, Key: tc.name}
			e, err := NewExport(reg, &table.Version{ID: 1, Time: time.Unix(1_800_000_000, 0), Rows: m.Seen(), Config: cfg, State: state})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Write(&b, e, FormatJSON); err != nil {
				t.Fatal(err)
			}
			exported := filepath.Join(dir, tc.name+".json")
			rows := make([][]float64, 6)
			for i := range rows {
				rows[i] = row()
			}
			rowsJSON, _ := json.Marshal(rows)
			rowsFile := filepath.Join(dir, tc.name+"-rows.json")
			if err := os.WriteFile(exported, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(rowsFile, rowsJSON, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, script, exported, rowsFile).Output()
			if err != nil {
				t.Fatalf("python3: %v\n%s", err, stderr(err))
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != len(rows) {
				t.Fatalf("%d lines for %d rows:\n%s", len(lines), len(rows), out)
			}
			want := make([]float64, m.Outputs())
			for i, l := range lines {
				var got []float64
				if err := json.Unmarshal([]byte(l), &got); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				if err := m.Predict(rows[i], want); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) {
					t.Fatalf("row %d: %v, want %v", i, got, want)
				}
				for k := range want {
					if math.Abs(got[k]-want[k]) > 1e-9 {
						t.Errorf("row %d output %d: python %v, Predict %v", i, k, got[k], want[k])
					}
				}
			}
		})
	}
}

func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return fmt.Sprint(err)
}
