package batchscore

import (
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/model"
)

// FuzzScoreFile feeds arbitrary files to ScoreFile. Invariants: it never
// fails or panics on data; every data line is scored or rejected, once
// (rows = scored + rejected, the output's lines and the rejects' lines are
// distinct and in file order); and the output, the rejects and the counts
// do not depend on how the file is cut into chunks or on the workers.
func FuzzScoreFile(f *testing.F) {
	for _, s := range []string{
		"a,1,2,3\nb,0,1,1\n",
		"\uFEFFa,1,2,3\r\n\r\nc,1,2\n\n\nb,x,1,1",
		"a,\"1\",2,3\nb,1,\"2\n",
		"a,1,2,3\n" + strings.Repeat("9", 70) + "\nb,1,1,1\n",
		"\n\n\n", "", "a,1,2,3,4\n,1,2,3\na,1,2,nan\n",
	} {
		f.Add(s, uint8(5))
	}
	cfg := model.Config{Task: model.TaskRegression, Features: 2, Standardize: true}
	m := trained(f, cfg, 1)
	spec := input.Spec{Columns: []string{"k", "y", "x0", "x1"}, KeyColumn: "k", LabelColumn: "y"}
	f.Fuzz(func(t *testing.T, text string, chunk uint8) {
		ms := NewModels("m", true, cfg, "no version")
		for _, k := range []string{"m/a", "m/b"} {
			ms.Add(k, 1, func() (*model.Model, error) { return m, nil })
		}
		run := func(chunk, workers int) (string, []Reject, Stats) {
			return scoreString(t, text, Options{Spec: spec, Models: ms, ChunkBytes: chunk, MaxLineBytes: 64, Workers: workers})
		}
		out, rejects, st := run(64, 1)
		if st.Rows != st.Scored+st.Rejected || int(st.Rejected) != len(rejects) || int(st.Scored) != strings.Count(out, "\n")-1 {
			t.Fatalf("stats %+v, %d rejects, output:\n%s", st, len(rejects), out)
		}
		if st.Rows > int64(strings.Count(text, "\n")+1) {
			t.Fatalf("%d rows from %d lines", st.Rows, strings.Count(text, "\n")+1)
		}
		for i := 1; i < len(rejects); i++ {
			if rejects[i].Line <= rejects[i-1].Line {
				t.Fatalf("rejects out of order: %+v", rejects)
			}
		}
		out2, rejects2, st2 := run(1+int(chunk%64), 3)
		if out2 != out || st2.Rows != st.Rows || st2.Rejected != st.Rejected || !sameRejects(rejects, rejects2) {
			t.Fatalf("chunks of %d bytes change the result:\n%s\n%+v\nvs\n%s\n%+v", 1+chunk%64, out, rejects, out2, rejects2)
		}
	})
}

func sameRejects(a, b []Reject) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Line != b[i].Line || a[i].Reason != b[i].Reason || string(a[i].Raw) != string(b[i].Raw) {
			return false
		}
	}
	return true
}
