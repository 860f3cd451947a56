package runstats

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

func TestReasonKind(t *testing.T) {
	tests := []struct{ reason, want string }{
		{"empty message", KindEmptyMessage},
		{"no rows in message", KindNoRows},
		{"model m: row 3: row too large for the pipeline's topics: ...", KindTooLarge},
		{"model m: row 1: label is not a class of the model: label 7 is not in 0..2", KindLabel},
		{"model m: row 1: label is not a finite number: label is NaN", KindLabel},
		{`model m: row 2 has an empty "sensor"`, KindEntity},
		{"row 0: 3 features, want 18", KindWidth},
		{"row 0: expected 18 columns, got 17", KindWidth},
		{`expired: no label for example "a" after 60s`, KindExpired},
		{`expired: no features for the label of example "a" after 1000 rows`, KindExpired},
		{"late label: its example expired", KindExpired},
		{"duplicate label", KindDuplicate},
		{"duplicate example id", KindDuplicate},
		{"no example id: the record key is empty", KindNoID},
		{"label does not parse: \"x\"", KindLabel},
		{"row 0: expected at least 3 columns, got 2", KindWidth},
		{"model m: row 0: label is not a class of the model: label 7 is not 0 or 1 (-1 is read as 0)", KindLabel},
		{`serve test: model m: row 0: no model state for key "m" yet`, KindNotServed},
		{`serve test: row 0: column f7: parse "abc": invalid syntax`, KindDecode},
		{`row 0: column f7: parse "abc": invalid syntax`, KindDecode},
	}
	for _, tc := range tests {
		if got := ReasonKind(tc.reason); got != tc.want {
			t.Errorf("ReasonKind(%q) = %s, want %s", tc.reason, got, tc.want)
		}
	}
}

// TestReasonKindOfDecoderReasons: the reasons the CSV decoder itself gives
// for rows of the wrong width (not a copy of their words) are wrong_width,
// so that a change of the decoder's wording shows here.
func TestReasonKindOfDecoderReasons(t *testing.T) {
	dec, err := input.NewDecoder(input.Spec{Columns: []string{"y", "a", "b"}, LabelColumn: "y"})
	if err != nil {
		t.Fatal(err)
	}
	_, bad, err := dec.Decode(nil, []byte("1,2\n1,2,3,4\n"), nil)
	if err != nil || len(bad) != 2 {
		t.Fatalf("decode: %d bad rows, %v; want 2", len(bad), err)
	}
	for _, b := range bad {
		if got := ReasonKind(b.Reason); got != KindWidth {
			t.Errorf("ReasonKind(%q) = %s, want %s", b.Reason, got, KindWidth)
		}
	}
}

// TestReasonKindOfDecoderLabels: the reasons the CSV decoder gives for
// bad labels (a string label outside the classes, NaN, a number too
// large, none at all) are bad_label, and a bad feature value stays decode.
// They were all decode.
func TestReasonKindOfDecoderLabels(t *testing.T) {
	tests := []struct {
		name string
		spec input.Spec
		row  string
		want string
	}{
		{"not a class", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y", Classes: []string{"a", "b"}}, "f,1", KindLabel},
		{"NaN", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y"}, "NaN,1", KindLabel},
		{"too large", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y"}, "1e200,1", KindLabel},
		{"not a number", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y"}, "yes,1", KindLabel},
		{"empty", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y"}, ",1", KindLabel},
		{"feature NaN", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y"}, "1,NaN", KindDecode},
		{"feature too large", input.Spec{Columns: []string{"y", "a"}, LabelColumn: "y"}, "1,1e200", KindDecode},
	}
	for _, tc := range tests {
		dec, err := input.NewDecoder(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		_, bad, err := dec.Decode(nil, []byte(tc.row+"\n"), nil)
		if err != nil || len(bad) != 1 {
			t.Fatalf("%s: %d bad rows, %v; want 1", tc.name, len(bad), err)
		}
		if got := ReasonKind(bad[0].Reason); got != tc.want {
			t.Errorf("%s: ReasonKind(%q) = %s, want %s", tc.name, bad[0].Reason, got, tc.want)
		}
	}
}

func TestGroupCountsConcurrently(t *testing.T) {
	g := NewGroup("g")
	var wg sync.WaitGroup
	for p := range int32(8) {
		wg.Go(func() {
			for range 1000 {
				g.Count(p, 2, 1, 0)
			}
			g.DeadLetter("empty message")
		})
	}
	wg.Wait()
	tot := g.Totals()
	if tot.In != 16000 || tot.Out != 8000 || len(g.Partitions()) != 8 {
		t.Errorf("totals %+v over %d partitions", tot, len(g.Partitions()))
	}
	if d := g.DeadByKind()[KindEmptyMessage]; d != 8 {
		t.Errorf("dead letters %d, want 8", d)
	}
	var nilGroup *Group
	nilGroup.Count(0, 1, 1, 1) // counts nothing, does not panic
	nilGroup.DeadLetter("x")
}

func TestModelsAggregateSnapshots(t *testing.T) {
	ms := NewModels("m")
	m := ms.Model("m")
	clock := time.Unix(1000, 0)
	m.now = func() time.Time { return clock }
	ms.Learned("m", 0)
	m.Metrics() // opens the first period
	ms.Learned("m", 30)
	ms.Observe(&wire.MetricSnapshot{Model: "m", Key: "m/a", Window: 10, Metrics: []wire.Metric{{Name: "accuracy", Value: 1}}})
	ms.Observe(&wire.MetricSnapshot{Model: "m", Key: "m/b", Window: 30, Metrics: []wire.Metric{{Name: "accuracy", Value: 0.5}, {Name: "auc", Value: math.NaN()}}})
	ms.Observe(&wire.MetricSnapshot{Model: "other", Window: 30}) // not a model of the run: ignored
	if got := m.Metrics(); got.Values != nil {
		t.Errorf("metrics before the period ends: %+v", got)
	}
	clock = clock.Add(DefaultPeriod)
	got := m.Metrics()
	if acc := got.Values["accuracy"]; math.Abs(acc-0.625) > 1e-12 || got.Keys != 2 {
		t.Errorf("metrics %+v, want accuracy 0.625 of 2 keys", got)
	}
	if _, ok := got.Values["auc"]; ok {
		t.Errorf("an undefined auc was averaged: %+v", got)
	}
	pts := m.Curve(time.Time{})
	if len(pts) != 1 || pts[0].Rows != 30 {
		t.Fatalf("curve %+v, want one point at 30 rows", pts)
	}
	if after := m.Curve(pts[0].Time); len(after) != 0 {
		t.Errorf("points after the last: %+v", after)
	}
}

func TestCurveIsBounded(t *testing.T) {
	ms := NewModels("m")
	m := ms.Model("m")
	clock := time.Unix(1000, 0)
	m.now = func() time.Time { return clock }
	m.Metrics()
	for i := range CurvePoints + 10 {
		clock = clock.Add(DefaultPeriod)
		ms.Learned("m", 1)
		ms.Observe(&wire.MetricSnapshot{Model: "m", Window: 1, Metrics: []wire.Metric{{Name: "accuracy", Value: float64(i)}}})
		m.Metrics()
	}
	pts := m.Curve(time.Time{})
	if len(pts) != CurvePoints {
		t.Fatalf("%d points, want %d", len(pts), CurvePoints)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].Rows < pts[i-1].Rows {
			t.Fatalf("points out of order at %d: %d after %d", i, pts[i].Rows, pts[i-1].Rows)
		}
	}
}

func TestProgress(t *testing.T) {
	run := NewRun([]string{"p-route", "p-learn"}, []string{"m"})
	pr := NewProgress(run, []string{"p-route", "p-learn"})
	t0 := time.Unix(1000, 0)
	pr.Lines(t0)
	run.Groups.Group("p-route").Count(0, 5000, 5000, 2)
	run.SetLag(&Lag{Time: t0, ByGroup: map[string][]PartitionLag{"p-route": {{Topic: "in", Partition: 0, Lag: 100000, Committed: 0, End: 100000}}}})
	lines := pr.Lines(t0.Add(5 * time.Second))
	if len(lines) != 2 || !strings.Contains(lines[0], "p-route: 1,000 rows/s in, 1,000 out; 5,000 rows in, 5,000 out, lag 100,000, dead letters 2 (+2)") {
		t.Fatalf("lines %q", lines)
	}
	// A backlog read at 50,000 messages/s, 5,000 left: caught up (less
	// than CaughtUpWindow of work).
	run.SetLag(&Lag{Time: t0.Add(2 * time.Second), ByGroup: map[string][]PartitionLag{"p-route": {{Topic: "in", Partition: 0, Lag: 5000, Committed: 95000, End: 100000}}}})
	lines = pr.Lines(t0.Add(10 * time.Second))
	if !strings.Contains(strings.Join(lines, "\n"), "p-route caught up with its inputs (lag 5,000 messages") {
		t.Fatalf("no caught-up line: %q", lines)
	}
	run.SetLagError(errors.New("broker gone"))
	lines = pr.Lines(t0.Add(15 * time.Second))
	if strings.Contains(strings.Join(lines, "\n"), "caught up") {
		t.Fatalf("caught up said twice: %q", lines)
	}
	if !strings.Contains(lines[0], "lag 5,000 (lag not measured now: broker gone)") {
		t.Fatalf("a failed measure is not said: %q", lines)
	}
}

// TestProgressStates: a group that reads model states (checkpoint,
// merge) counts no rows, and its lines say so rather than "0 rows in, 0
// out, dead letters 0".
func TestProgressStates(t *testing.T) {
	run := NewRun([]string{"p-checkpoint"}, []string{"m"})
	run.Groups.Group("p-checkpoint").States = true
	pr := NewProgress(run, []string{"p-checkpoint"})
	t0 := time.Unix(1000, 0)
	pr.Lines(t0)
	lag := func(at time.Time, committed, end int64) {
		run.SetLag(&Lag{Time: at, ByGroup: map[string][]PartitionLag{"p-checkpoint": {{Topic: "t", Lag: end - committed, Committed: committed, End: end}}}})
	}
	lag(t0, 0, 100000)
	pr.Lines(t0.Add(5 * time.Second))
	lag(t0.Add(6*time.Second), 99000, 100000)
	got := strings.Join(pr.Lines(t0.Add(10*time.Second)), "\n")
	want := "p-checkpoint caught up with its inputs (lag 1,000 messages)\np-checkpoint: reads model states, lag 1,000"
	if got != want {
		t.Fatalf("lines\n%s\nwant\n%s", got, want)
	}
}

// TestProgressSettled: an idle group whose inputs end in transaction
// markers (a lag of one per partition, for good) was said to fall behind
// when it committed a little. It is caught up.
func TestProgressSettled(t *testing.T) {
	run := NewRun([]string{"p-checkpoint"}, []string{"m"})
	pr := NewProgress(run, []string{"p-checkpoint"})
	t0 := time.Unix(1000, 0)
	lagAt := func(at time.Time, committed ...int64) {
		var ps []PartitionLag
		for i, c := range committed {
			ps = append(ps, PartitionLag{Topic: "t", Partition: int32(i), Lag: 1, Committed: c, End: c + 1})
		}
		run.SetLag(&Lag{Time: at, ByGroup: map[string][]PartitionLag{"p-checkpoint": ps}})
	}
	lagAt(t0, 10, 20, 30)
	if lines := strings.Join(pr.Lines(t0), "\n"); !strings.Contains(lines, "p-checkpoint caught up with its inputs (lag 3)") {
		t.Fatalf("lines %q", lines)
	}
	for i := int64(1); i <= 3; i++ { // a state now and then
		at := t0.Add(time.Duration(i) * 10 * time.Second)
		lagAt(at, 10+i, 20, 30)
		if lines := strings.Join(pr.Lines(at), "\n"); strings.Contains(lines, "fell behind") {
			t.Fatalf("settled, yet %q", lines)
		}
	}
	// A backlog does fall behind.
	at := t0.Add(time.Minute)
	run.SetLag(&Lag{Time: at, ByGroup: map[string][]PartitionLag{"p-checkpoint": {{Topic: "t", Lag: 5000, Committed: 70, End: 5070}}}})
	if lines := strings.Join(pr.Lines(at), "\n"); !strings.Contains(lines, "p-checkpoint fell behind its inputs (lag 5,000 messages)") {
		t.Fatalf("a backlog: %q", lines)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %s, want %s", n, got, want)
		}
	}
}

// TestProgressWhileLagMeasured: Lines read the lag twice, and a first
// measure landing in between made it use a nil one (a SIGSEGV in a run
// under load). It reads one measure for all groups.
func TestProgressWhileLagMeasured(t *testing.T) {
	lag := &Lag{Time: time.Unix(1000, 0), ByGroup: map[string][]PartitionLag{"g": {{Topic: "t", Lag: 1, Committed: 1, End: 2}}}}
	for range 2000 {
		run := NewRun([]string{"g"}, nil)
		pr := NewProgress(run, []string{"g"})
		done := make(chan struct{})
		go func() { run.SetLag(lag); close(done) }()
		pr.Lines(time.Unix(1000, 0))
		<-done
	}
	if n, ok := (*Lag)(nil).GroupLag("g"); ok || n != 0 {
		t.Errorf("no measure: lag %d, %v", n, ok)
	}
}
