package batchscore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/model"
)

// TestScoreFileOutputs: every row's output line holds Predict's outputs
// (within 1e-12), its line number, key and label, for each task, with
// chunks so small that every line boundary is a chunk boundary, and with
// the default chunks.
func TestScoreFileOutputs(t *testing.T) {
	for _, cfg := range []model.Config{
		{Task: model.TaskBinary, Features: 4, Standardize: true},
		{Task: model.TaskMulticlass, Classes: 3, Features: 3, Standardize: true},
		{Task: model.TaskRegression, Features: 2},
	} {
		for _, chunk := range []int{1, 64, 0} {
			t.Run(fmt.Sprintf("%s/chunk=%d", cfg.Task, chunk), func(t *testing.T) {
				m := trained(t, cfg, 1)
				lines := csvRows(cfg, 300, 2)
				out, rejects, st := scoreString(t, strings.Join(lines, "\n")+"\n", Options{
					Spec: labeledSpec(cfg.Features), Models: Single("m", "m", 3, m), ChunkBytes: chunk, Workers: 3})
				if len(rejects) > 0 || st.Rows != 300 || st.Scored != 300 || st.Labeled != 300 {
					t.Fatalf("stats %+v, rejects %v", st, rejects)
				}
				got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
				if want := string(Header(cfg.Task, m.Outputs(), true)); got[0]+"\n" != want {
					t.Errorf("header %q, want %q", got[0], want)
				}
				for i, line := range got[1:] {
					checkLine(t, m, i+1, lines[i], line)
				}
			})
		}
	}
}

// checkLine checks one output line against Predict on the input line.
func checkLine(t *testing.T, m *model.Model, lineNo int, in, out string) {
	t.Helper()
	f := strings.Split(out, ",")
	fields := strings.Split(in, ",")
	x := make([]float64, len(fields)-1)
	for i := range x {
		x[i], _ = strconv.ParseFloat(fields[i+1], 64)
	}
	want := make([]float64, m.Outputs())
	if err := m.Predict(x, want); err != nil {
		t.Fatal(err)
	}
	if f[0] != strconv.Itoa(lineNo) || f[1] != "m" || f[len(f)-1] != fields[0] {
		t.Fatalf("line %d: %q for input %q", lineNo, out, in)
	}
	scores := f[3 : len(f)-1]
	if m.Config().Task == model.TaskRegression {
		scores = f[2:3]
	}
	for k, s := range scores {
		v, _ := strconv.ParseFloat(s, 64)
		if math.Abs(v-want[k]) > 1e-12 {
			t.Fatalf("line %d: output %d is %v, Predict %v", lineNo, k, v, want[k])
		}
	}
}

// TestScoreFileRejects: bad lines are rejected with their file line
// numbers and reasons, whatever the chunking, and rows = scored +
// rejected; empty lines are not rows; a header, a byte-order mark and CRLF
// line ends are read as the pipeline's decoder reads them.
func TestScoreFileRejects(t *testing.T) {
	cfg := model.Config{Task: model.TaskMulticlass, Classes: 3, Features: 2}
	m := trained(t, cfg, 1)
	text := "\uFEFF\r\nx1,y,x0\r\n" + // line 1 empty, 2 header
		"0.5,1,2\r\n" + // 3
		"\r\n" + // 4 empty
		"abc,1,2\r\n" + // 5: not a number
		"1,7,2\r\n" + // 6: class out of range
		"1,2\r\n" + // 7: too few columns
		"\n\n" + // 8, 9 empty
		"3,0," + strings.Repeat("9", 200) + "\n" + // 10: too long
		"1,2,3" // 11, no line end
	spec := input.Spec{Header: true, Features: []string{"x0", "x1"}, LabelColumn: "y"}
	want := map[int64]string{5: "column x1: parse", 6: "label is not a class of the model: label 7 is not in 0..2",
		7: "expected 3 columns, got 2", 10: "line longer than 100 bytes"}
	for _, chunk := range []int{1, 7, 100} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			out, rejects, st := scoreString(t, text, Options{Spec: spec, Models: Single("m", "m", 1, m),
				ChunkBytes: chunk, MaxLineBytes: 100, Workers: 2})
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 3 || !strings.HasPrefix(lines[1], "3,m,") || !strings.HasPrefix(lines[2], "11,m,") {
				t.Errorf("output:\n%s", out)
			}
			if st.Rows != 6 || st.Scored != 2 || st.Rejected != 4 || len(rejects) != 4 {
				t.Errorf("stats %+v, rejects %+v", st, rejects)
			}
			for i, r := range rejects {
				if !strings.HasPrefix(r.Reason, want[r.Line]) || (i > 0 && r.Line <= rejects[i-1].Line) {
					t.Errorf("reject %+v, want line %d: %q", r, r.Line, want[r.Line])
				}
			}
			if len(rejects) > 0 && string(rejects[0].Raw) != "abc,1,2" {
				t.Errorf("raw line %q", rejects[0].Raw)
			}
		})
	}
}

// TestScoreFileUnlabeled: a row whose label column is empty is scored,
// unlabeled: its label field is empty and --evaluate leaves it out; a
// label that is there must be one.
func TestScoreFileUnlabeled(t *testing.T) {
	cfg := model.Config{Task: model.TaskBinary, Features: 2}
	m := trained(t, cfg, 1)
	out, rejects, st := scoreString(t, "1,0.5,2\n,0.5,2\nx,0.5,2\n", Options{Spec: input.Spec{Columns: []string{"y", "x0", "x1"}, LabelColumn: "y"},
		Models: Single("m", "m", 1, m), Evaluate: true})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[1], ",1") || !strings.HasPrefix(lines[2], "2,m,") || !strings.HasSuffix(lines[2], ",") {
		t.Errorf("output:\n%s", out)
	}
	if st.Rows != 3 || st.Scored != 2 || st.Labeled != 1 || len(rejects) != 1 || !strings.Contains(rejects[0].Reason, `label parse "x"`) {
		t.Errorf("stats %+v, rejects %+v", st, rejects)
	}
}

// TestScoreFilePerEntity: rows pick their entity's version; an entity
// without one is rejected with the reason given for it.
func TestScoreFilePerEntity(t *testing.T) {
	cfg := model.Config{Task: model.TaskRegression, Features: 1}
	a, b := trained(t, cfg, 1), trained(t, cfg, 2)
	ms := NewModels("per", true, cfg, "no version in the registry")
	ms.Add("per/a", 4, func() (*model.Model, error) { return a, nil })
	ms.Add("per/b", 9, func() (*model.Model, error) { return b, nil })
	ms.AddMissing("per/c", fmt.Errorf("no pinned version"))
	text := "a,1\nb,1\nc,1\nd,1\na,2\n,3\n"
	spec := input.Spec{Columns: []string{"sensor", "x"}, KeyColumn: "sensor"}
	out, rejects, st := scoreString(t, text, Options{Spec: spec, Models: ms})
	pa, pb := make([]float64, 1), make([]float64, 1)
	_ = a.Predict([]float64{1}, pa)
	_ = b.Predict([]float64{1}, pb)
	want := fmt.Sprintf("line,key,predicted\n1,per/a,%s\n2,per/b,%s\n", fmtFloat(pa[0]), fmtFloat(pb[0]))
	if !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 4 {
		t.Errorf("output:\n%s\nwant prefix\n%s", out, want)
	}
	if st.Scored != 3 || st.Rejected != 3 || rejects[0].Line != 3 || !strings.Contains(rejects[0].Reason, "no pinned version") ||
		rejects[1].Line != 4 || !strings.Contains(rejects[1].Reason, "key per/d: no version in the registry") ||
		rejects[2].Line != 6 || !strings.Contains(rejects[2].Reason, "no entity") {
		t.Errorf("stats %+v rejects %+v", st, rejects)
	}
	// A global model scores the same rows, the one without entity too.
	g := NewModels("g", false, cfg, "no version")
	g.Add("g", 3, func() (*model.Model, error) { return a, nil })
	if _, rejects, st := scoreString(t, text, Options{Spec: spec, Models: g}); st.Scored != 6 || len(rejects) != 0 {
		t.Errorf("global model: stats %+v rejects %+v", st, rejects)
	}
}

func fmtFloat(v float64) string { return string(appendNumber(nil, v)) }

// TestEvaluate: the metrics of --evaluate are the exact whole-set ones,
// recomputed here by brute force (AUC over every pair).
func TestEvaluate(t *testing.T) {
	cfg := model.Config{Task: model.TaskBinary, Features: 3, Standardize: true}
	m := trained(t, cfg, 5)
	lines := csvRows(cfg, 400, 6)
	_, _, st := scoreString(t, strings.Join(lines, "\n"), Options{Spec: labeledSpec(3), Models: Single("m", "m", 1, m),
		Evaluate: true, ChunkBytes: 500})
	var ps, ys []float64
	for _, l := range lines {
		f := strings.Split(l, ",")
		x := make([]float64, 3)
		for i := range x {
			x[i], _ = strconv.ParseFloat(f[i+1], 64)
		}
		out := make([]float64, 1)
		_ = m.Predict(x, out)
		y, _ := strconv.ParseFloat(f[0], 64)
		ps, ys = append(ps, out[0]), append(ys, y)
	}
	var correct, logloss, wins, pairs float64
	for i, p := range ps {
		if (p >= 0.5) == (ys[i] == 1) {
			correct++
		}
		if ys[i] == 1 {
			logloss -= math.Log(p)
		} else {
			logloss -= math.Log(1 - p)
		}
		for j, q := range ps {
			if ys[i] == 1 && ys[j] == 0 {
				pairs++
				switch {
				case p > q:
					wins++
				case p == q:
					wins += 0.5
				}
			}
		}
	}
	n := float64(len(ps))
	want := map[string]float64{"accuracy": correct / n, "logloss": logloss / n, "auc": wins / pairs}
	if len(st.Metrics) != 3 || st.Labeled != 400 {
		t.Fatalf("metrics %+v", st)
	}
	for _, v := range st.Metrics {
		if math.Abs(v.Value-want[v.Name]) > 1e-9 {
			t.Errorf("%s = %v, brute force %v", v.Name, v.Value, want[v.Name])
		}
	}
}

// TestParseFile: the ceiling decodes the rows ScoreFile scores.
func TestParseFile(t *testing.T) {
	cfg := model.Config{Task: model.TaskRegression, Features: 5}
	text := strings.Join(csvRows(cfg, 1000, 1), "\n") + "\nbad\n"
	st, err := ParseFile(context.Background(), strings.NewReader(text), Options{Spec: labeledSpec(5), ChunkBytes: 4096})
	if err != nil || st.Rows != 1001 || st.Scored != 1000 || st.Rejected != 1 {
		t.Errorf("%+v %v", st, err)
	}
}

// TestRowWriter: line numbers incremented in place are strconv's, across
// carries and jumps, and keys are quoted as CSV fields when they must be.
func TestRowWriter(t *testing.T) {
	w := rowWriter{task: model.TaskRegression}
	for _, n := range []int64{1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, 5, 6, 123456789, 123456790} {
		if got := string(w.lineDigits(n)); got != strconv.FormatInt(n, 10) {
			t.Errorf("line %d written %q", n, got)
		}
	}
	for key, want := range map[string]string{"m/a,b": "1,\"m/a,b\",2.5\n", "m/\"q\"": "1,\"m/\"\"q\"\"\",2.5\n", "m": "1,m,2.5\n"} {
		w := rowWriter{task: model.TaskRegression}
		if got := string(w.appendRow(nil, 1, key, []float64{2.5}, 0)); got != want {
			t.Errorf("key %q: %q, want %q", key, got, want)
		}
	}
}
