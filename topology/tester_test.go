package topology

import (
	"context"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

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
		proc, err := goka.NewProcessor(nil, g, goka.WithTester(tt))
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

	v := tt.TableValue(p.Topics.LearnTable, "logreg")
	st, ok := v.(*table.ModelState)
	if !ok {
		t.Fatalf("table value %T", v)
	}
	if st.Rows != 2 || st.Invalid != 3 {
		t.Errorf("state rows %d invalid %d, want 2 and 3", st.Rows, st.Invalid)
	}
	n := 0
	for {
		_, v, ok := preds.Next()
		if !ok {
			break
		}
		n += len(v.(*wire.PredictionBatch).Predictions)
	}
	if n != 2 {
		t.Errorf("predictions: %d, want 2", n)
	}
	var reasons []string
	for {
		_, v, ok := dead.Next()
		if !ok {
			break
		}
		reasons = append(reasons, v.(*wire.DeadLetter).Reason)
	}
	if len(reasons) != 3 {
		t.Errorf("dead letters: %q, want 3", reasons)
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
