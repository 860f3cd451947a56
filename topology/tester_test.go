package topology

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
)

const testerYAML = `
name: t
input:
  topics: [in]
  columns: [f0, f1, f2]
models:
  - name: logreg
    metrics: {window: 10, buckets: 5, emit_every: 2}
`

// runTester runs every group of the pipeline on goka's tester.
func runTester(t *testing.T, yaml string) (*Pipeline, *tester.Tester) {
	t.Helper()
	c, err := config.Parse([]byte(yaml), "tester.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	tt := tester.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var procs []*goka.Processor
	for _, g := range p.Groups() {
		proc, err := goka.NewProcessor(nil, g, append(ProcessorOptions(), goka.WithTester(tt))...)
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, proc)
	}
	for _, proc := range procs {
		go func() {
			proc.Run(ctx)
			done <- struct{}{}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range procs {
			<-done
		}
	})
	return p, tt
}

func TestDAGOnTester(t *testing.T) {
	p, tt := runTester(t, testerYAML)
	preds := tt.NewQueueTracker(string(p.Topics.Predictions))
	dead := tt.NewQueueTracker(string(p.Topics.DeadLetter))
	mets := tt.NewQueueTracker(string(p.Topics.Metrics))

	tt.Consume("in", "1", []byte("1,2,3"))
	tt.Consume("in", "0", []byte("-1,-2,-3"))
	tt.Consume("in", "1", []byte("1,x,3"))   // not a number
	tt.Consume("in", "0", []byte("1,2"))     // too few columns
	tt.Consume("in", "1", []byte("1,NaN,3")) // NaN
	tt.Consume("in", "1", nil)               // a tombstone
	// Tombstones on the internal topics are no rows: skipped.
	for _, topic := range []goka.Stream{p.Topics.Examples, p.Topics.Pins} {
		tt.Consume(string(topic), "logreg", nil)
	}

	v := tt.TableValue(p.Topics.LearnTable, "logreg")
	st, ok := v.(*table.ModelState)
	if !ok {
		t.Fatalf("table value %T", v)
	}
	if st.Rows != 2 || st.Invalid != 4 {
		t.Errorf("state rows %d invalid %d, want 2 and 4", st.Rows, st.Invalid)
	}
	tt.Consume("in", "0", []byte("-1,-2,-4")) // the groups go on
	if st, _ := tt.TableValue(p.Topics.LearnTable, "logreg").(*table.ModelState); st == nil || st.Rows != 3 {
		t.Errorf("after the tombstones, state %v, want 3 rows", st)
	}
	n := 0
	for {
		_, v, ok := preds.Next()
		if !ok {
			break
		}
		n += len(v.(*wire.PredictionBatch).Predictions)
	}
	if n != 3 {
		t.Errorf("predictions: %d, want 3", n)
	}
	var reasons []string
	for {
		_, v, ok := dead.Next()
		if !ok {
			break
		}
		reasons = append(reasons, v.(*wire.DeadLetter).Reason)
	}
	if len(reasons) != 4 || reasons[3] != input.ReasonEmptyMessage {
		t.Errorf("dead letters: %q, want 4, the last %q", reasons, input.ReasonEmptyMessage)
	}
	if _, v, ok := mets.Next(); !ok || v.(*wire.MetricSnapshot).Rows != 2 {
		t.Errorf("metric snapshot after 2 rows: %v %v", v, ok)
	}
}

func TestDAGMultiRowAndPerEntity(t *testing.T) {
	const yaml = `
name: e
input:
  topics: [in]
  columns: [sensor, y, x]
  features: [x]
  label: {from: column, column: y}
models:
  - name: per
    task: regression
    key: sensor
  - name: all
    task: regression
`
	p, tt := runTester(t, yaml)
	tt.Consume("in", "", []byte("a,1,1\nb,2,2\na,3,3\n"))
	tt.Consume("in", "", []byte("b,4,4"))
	want := map[string]int64{"per/a": 2, "per/b": 2, "all": 4}
	for key, rows := range want {
		st, ok := tt.TableValue(p.Topics.LearnTable, key).(*table.ModelState)
		if !ok || st.Rows != rows {
			t.Errorf("key %s: state %v, want %d rows", key, st, rows)
		}
	}
}

// TestDAGServesOnTester runs the whole DAG with two deployments of a
// held-out topic on goka's tester: the held-out rows are scored with the
// learn table's state as it is when they arrive (latest) and with the
// newest pinned version (pinned), dead-lettered while there is nothing to
// serve, and never learned from.
func TestDAGServesOnTester(t *testing.T) {
	const yaml = `
name: v
input:
  topics: [in]
  columns: [f0, f1, f2]
models:
  - name: logreg
    metrics: {window: 10, buckets: 5, emit_every: 2}
    checkpoints: {every_rows: 2, every_seconds: 3600}
serve:
  - {name: latest, topics: [held], model: logreg}
  - {name: pinned, topics: [held], model: logreg, state: pinned, output: pinned-scores}
`
	p, tt := runTester(t, yaml)
	latest, pinned := tt.NewQueueTracker("v.scores"), tt.NewQueueTracker("pinned-scores")
	dead := tt.NewQueueTracker(string(p.Topics.DeadLetter))
	versions := func(q *tester.QueueTracker) []int64 {
		var out []int64
		for _, v, ok := q.Next(); ok; _, v, ok = q.Next() {
			for _, pr := range v.(*wire.PredictionBatch).Predictions {
				out = append(out, pr.Version)
			}
		}
		return out
	}
	reasons := func() []string {
		var out []string
		for _, v, ok := dead.Next(); ok; _, v, ok = dead.Next() {
			out = append(out, v.(*wire.DeadLetter).Reason)
		}
		return out
	}
	learned := func() int64 {
		st, _ := tt.TableValue(p.Topics.LearnTable, "logreg").(*table.ModelState)
		if st == nil {
			return 0
		}
		return st.Rows
	}

	tt.Consume("held", "1", []byte("1,2,3"))
	if r := reasons(); len(r) != 2 || !strings.Contains(r[0], `serve latest: model logreg: row 0: no model state for key "logreg" yet`) ||
		!strings.Contains(r[1], `serve pinned: model logreg: row 0: no model version for key "logreg" yet`) {
		t.Fatalf("before any learning: %q", r)
	}
	for i := range 5 {
		tt.Consume("in", fmt.Sprint(i%2), []byte(fmt.Sprintf("%d,%d,1", i%2, -i)))
	}
	tt.Consume("held", "1", []byte("1,2,3\n0,0,0"))
	if v := versions(latest); fmt.Sprint(v) != "[5 5]" {
		t.Errorf("latest after 5 rows: versions %v", v)
	}
	if r := reasons(); len(r) != 2 || !strings.Contains(r[0], `key "logreg" has no pinned version (kept: 1-3)`) {
		t.Errorf("nothing pinned: %q", r)
	}
	tt.Consume(string(p.Topics.Pins), "logreg", []byte(`{"op":"pin","version":2}`))
	tt.Consume("held", "0", []byte("1,2,3"))
	if v := versions(pinned); fmt.Sprint(v) != "[3]" { // version 2 was made at 3 rows
		t.Errorf("pinned version 2: versions %v", v)
	}
	if v := versions(latest); fmt.Sprint(v) != "[5]" {
		t.Errorf("latest: versions %v", v)
	}
	if n := learned(); n != 5 {
		t.Errorf("the learn table has %d rows: held-out rows were learned", n)
	}
}

// TestDAGServesUnlabeledOnTester: a deployment scores a row with no label
// (an empty label column), which the learning input dead-letters; a label
// that is there but is none is dead-lettered on both.
func TestDAGServesUnlabeledOnTester(t *testing.T) {
	const yaml = `
name: u
input:
  topics: [in]
  columns: [y, f0, f1]
  label: {from: column, column: y}
models:
  - name: logreg
serve:
  - {name: latest, topics: [held], model: logreg}
`
	p, tt := runTester(t, yaml)
	scores := tt.NewQueueTracker("u.scores")
	dead := tt.NewQueueTracker(string(p.Topics.DeadLetter))
	for i := range 4 {
		tt.Consume("in", "", []byte(fmt.Sprintf("%d,%d,1", i%2, -i)))
	}
	tt.Consume("in", "", []byte(",1,1"))
	tt.Consume("held", "", []byte(",2,3\n1,2,3\nx,2,3"))
	var labels []string
	for _, v, ok := scores.Next(); ok; _, v, ok = scores.Next() {
		for _, pr := range v.(*wire.PredictionBatch).Predictions {
			if pr.Label == nil {
				labels = append(labels, "none")
			} else {
				labels = append(labels, fmt.Sprint(*pr.Label))
			}
		}
	}
	if fmt.Sprint(labels) != "[none 1]" {
		t.Errorf("scored rows' labels %v, want [none 1]", labels)
	}
	var reasons []string
	for _, v, ok := dead.Next(); ok; _, v, ok = dead.Next() {
		reasons = append(reasons, v.(*wire.DeadLetter).Reason)
	}
	if len(reasons) != 2 || !strings.Contains(reasons[0], "row 0: missing label: column y is empty") ||
		!strings.Contains(reasons[1], `serve latest: row 2: column y: label parse "x": invalid syntax`) {
		t.Errorf("dead letters %q", reasons)
	}
}
