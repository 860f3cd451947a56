package topology

import (
	"context"
	"fmt"
	"maps"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/runstats"
)

const delayedYAML = `
name: d
input:
  topics: [in]
  columns: [f0, f1]
  labels:
    topic: labels
    expire_after: {seconds: 60, rows: 1000}
models:
  - name: logreg
    optimizer: {name: sgd, learning_rate: 0.5}
    metrics: {window: 100, buckets: 5, emit_every: 1}
`

// delayedRun is the DAG of a delayed-label pipeline on goka's tester, with
// the join group's processor for its visits, counting in stats as a run
// does.
type delayedRun struct {
	p     *Pipeline
	stats *runstats.Run
	tt    *tester.Tester
	join  *goka.Processor
	preds *tester.QueueTracker
	dead  *tester.QueueTracker
	t0    time.Time
}

func runDelayed(t *testing.T, yaml string) *delayedRun {
	t.Helper()
	c, err := config.Parse([]byte(yaml), "delayed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	stats := p.NewStats()
	p = p.WithStats(stats)
	// Route stamps the features records it writes with the time it writes
	// them, from which their expiry counts: the test starts now.
	r := &delayedRun{p: p, stats: stats, tt: tester.New(t), t0: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	groups := p.Groups()
	for _, g := range groups {
		proc, err := goka.NewProcessor(nil, g, append(ProcessorOptions(), goka.WithTester(r.tt))...)
		if err != nil {
			t.Fatal(err)
		}
		if g.Group() == p.Topics.JoinGroup {
			r.join = proc
		}
		go func() {
			proc.Run(ctx)
			done <- struct{}{}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range groups {
			<-done
		}
	})
	r.preds = r.tt.NewQueueTracker(string(p.Topics.Predictions))
	r.dead = r.tt.NewQueueTracker(string(p.Topics.DeadLetter))
	return r
}

// do plays one event: "f <id> <x0>,<x1>" features, "l <id> <label>" a
// label, "tombstone <topic> <key>" a record with a null value, "expire
// <seconds>" a visit of the join table that many seconds
// after the start; the records' timestamps are the start.
func (r *delayedRun) do(t *testing.T, ev string) {
	t.Helper()
	f := strings.Fields(ev)
	at := tester.WithTime(r.t0)
	switch f[0] {
	case "f":
		r.tt.Consume("in", f[1], []byte(f[2]), at)
	case "l":
		value := ""
		if len(f) > 2 {
			value = f[2]
		}
		id := f[1]
		if id == "-" {
			id = ""
		}
		r.tt.Consume("labels", id, []byte(value), at)
	case "tombstone": // "tombstone <topic> <key>": a null value
		r.tt.Consume(f[1], f[2], nil, at)
	case "expire":
		var s float64
		fmt.Sscan(f[1], &s)
		now := r.t0.Add(time.Duration(s * float64(time.Second)))
		if err := r.join.VisitAll(context.Background(), processors.ExpireVisitor, processors.ExpireTick{NowMillis: now.UnixMilli()}); err != nil {
			t.Fatal(err)
		}
		r.tt.Catchup()
	default:
		t.Fatalf("bad event %q", ev)
	}
}

// predictions returns the predictions written so far, by example id (the
// input row's coordinates map to the id through ids).
func (r *delayedRun) predictions() []wire.Prediction {
	var out []wire.Prediction
	for {
		_, v, ok := r.preds.Next()
		if !ok {
			return out
		}
		out = append(out, v.(*wire.PredictionBatch).Predictions...)
	}
}

func (r *delayedRun) deadReasons() []string {
	var out []string
	for {
		_, v, ok := r.dead.Next()
		if !ok {
			return out
		}
		out = append(out, v.(*wire.DeadLetter).Reason)
	}
}

func (r *delayedRun) state(t *testing.T) *table.ModelState {
	t.Helper()
	v := r.tt.TableValue(r.p.Topics.LearnTable, "logreg")
	if v == nil {
		return nil
	}
	st, ok := v.(*table.ModelState)
	if !ok {
		t.Fatalf("learn table value %T", v)
	}
	return st
}

// TestDelayedLabelsOnTester plays streams of features and labels through
// route, join and learn: every example is predicted when its features
// arrive; a label is learned once, when both halves are there, whatever
// their order; duplicates, bad, late and expired ones are dead-lettered
// and never learned; and the model and its rolling metrics equal those of
// a reference that learns the labeled examples in the order they were
// paired, scoring the predictions made at feature time.
func TestDelayedLabelsOnTester(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []string
		// learned: the ids learned, in order; dead: the dead letters'
		// reasons, by prefix, in order.
		learned []string
		dead    []string
	}{
		{name: "in order", events: []string{"f a 1,2", "l a 1", "f b -1,0.5", "l b 0"}, learned: []string{"a", "b"}},
		{name: "out of order", events: []string{"f a 1,2", "f b -1,0.5", "f c 3,-1", "l c 1", "l a 1", "l b 0"}, learned: []string{"c", "a", "b"}},
		{name: "label before features", events: []string{"l a 1", "f b 2,2", "f a 1,2", "l b 0"}, learned: []string{"a", "b"}},
		{name: "duplicated label", events: []string{"f a 1,2", "l a 1", "l a 0", "l a 1"}, learned: []string{"a"},
			dead: []string{input.ReasonDuplicateLabel, input.ReasonDuplicateLabel}},
		{name: "duplicated label before features", events: []string{"l a 1", "l a 0", "f a 1,2"}, learned: []string{"a"},
			dead: []string{input.ReasonDuplicateLabel}},
		{name: "duplicated example id", events: []string{"f a 1,2", "f a 3,3", "l a 1"}, learned: []string{"a"},
			dead: []string{input.ReasonDuplicateID}},
		{name: "missing label expires", events: []string{"f a 1,2", "f b 0,1", "l a 1", "expire 30", "expire 61"}, learned: []string{"a"},
			dead: []string{input.ReasonExpired + `: no label for example "b" after 60 seconds`}},
		{name: "late label", events: []string{"f a 1,2", "expire 61", "l a 1", "f b 1,1", "l b 1"}, learned: []string{"b"},
			dead: []string{input.ReasonExpired + ": no label", input.ReasonLateLabel}},
		{name: "label without features expires", events: []string{"l z 1", "expire 61", "f z 1,1", "expire 200"}, learned: nil,
			dead: []string{input.ReasonExpired + ": no features", input.ReasonExpired + ": no label"}},
		{name: "done entries are deleted", events: []string{"f a 1,2", "l a 1", "expire 61", "l a 1"}, learned: []string{"a"},
			dead: nil}, // the second label is new: it waits
		{name: "bad labels", events: []string{"f a 1,2", "l a x", "l - 1", "l a NaN", "l a 0"}, learned: []string{"a"},
			dead: []string{input.ReasonBadLabel, input.ReasonNoID, "model logreg: label is not a finite number"}},
		{name: "tombstones", events: []string{"f a 1,2", "tombstone labels a", "tombstone in a", "l a 1"}, learned: []string{"a"},
			dead: []string{input.ReasonBadLabel, input.ReasonEmptyMessage}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runDelayed(t, delayedYAML)
			features := map[string][]float64{}
			offsets := map[string]int64{} // of the first input record of an id
			labels := map[string]float64{}
			var offset int64
			for _, ev := range tc.events {
				r.do(t, ev)
				f := strings.Fields(ev)
				if f[0] == "f" {
					offset++
				}
				switch {
				case f[0] == "f" && features[f[1]] == nil:
					offsets[f[1]] = offset - 1
					for _, s := range strings.Split(f[2], ",") {
						var x float64
						fmt.Sscan(s, &x)
						features[f[1]] = append(features[f[1]], x)
					}
				case f[0] == "l" && len(f) > 2:
					var y float64
					if _, err := fmt.Sscan(f[2], &y); err == nil && y >= 0 && y <= 1 {
						if _, ok := labels[f[1]]; !ok {
							labels[f[1]] = y
						}
					}
				}
			}
			preds := r.predictions()
			byID := map[string][]float64{}
			for _, p := range preds {
				byID[p.ID] = p.Scores
			}
			if len(preds) != len(features) {
				t.Errorf("%d predictions, want one per example: %d", len(preds), len(features))
			}
			dead := r.deadReasons()
			if len(dead) != len(tc.dead) {
				t.Fatalf("dead letters %q, want prefixes %q", dead, tc.dead)
			}
			for i := range dead {
				if !strings.HasPrefix(dead[i], tc.dead[i]) {
					t.Errorf("dead letter %d: %q, want prefix %q", i, dead[i], tc.dead[i])
				}
			}
			st := r.state(t)
			if len(tc.learned) == 0 {
				if st != nil && st.Rows != 0 {
					t.Fatalf("learned %d rows, want none", st.Rows)
				}
				return
			}
			if st == nil || st.Rows != int64(len(tc.learned)) {
				t.Fatalf("state %v, want %d rows learned", st, len(tc.learned))
			}
			// The reference: learn the pairs in order, scoring the
			// prediction each example got when its features came.
			spec := r.p.Specs["logreg"]
			ref, err := table.NewModelState(spec.Name, "logreg", spec.Shape())
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tc.learned {
				scores := byID[processors.PredictionID("in", 0, offsets[id], 0)]
				if scores == nil {
					t.Fatalf("no prediction of %q", id)
				}
				ref.Window.Update(labels[id], scores)
				if err := ref.Learner.Learn(features[id], labels[id]); err != nil {
					t.Fatal(err)
				}
			}
			for _, x := range [][]float64{{1, 2}, {-1, 0.5}, {0, 0}, {7, -3}} {
				got, want := make([]float64, 1), make([]float64, 1)
				st.Learner.Predict(x, got)
				ref.Learner.Predict(x, want)
				if math.Float64bits(got[0]) != math.Float64bits(want[0]) {
					t.Errorf("model predicts %v at %v, the reference %v", got, x, want)
				}
			}
			gotM, wantM := st.Window.Values(), ref.Window.Values()
			if len(gotM) != len(wantM) {
				t.Fatalf("metrics %v, want %v", gotM, wantM)
			}
			for i := range gotM {
				if g, w := gotM[i].Value, wantM[i].Value; g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Errorf("metric %s = %v, the reference's %v", gotM[i].Name, g, w)
				}
			}
		})
	}
}

// TestDelayedExpiryByRows: an example expires once enough rows of the
// stream came after it (rows of its partition times the partitions: here
// 2 rows of the tester's one partition count for 8), before its time.
func TestDelayedExpiryByRows(t *testing.T) {
	yaml := strings.Replace(delayedYAML, "expire_after: {seconds: 60, rows: 1000}", "expire_after: {seconds: 600, rows: 8}", 1)
	r := runDelayed(t, "partitions: 4\n"+yaml)
	for _, ev := range []string{"f a 1,2", "f b 0,1", "expire 1", "f c 3,3", "expire 2", "l b 1"} {
		r.do(t, ev)
	}
	dead := r.deadReasons()
	if len(dead) != 1 || !strings.HasPrefix(dead[0], input.ReasonExpired+`: no label for example "a" after 8 rows`) {
		t.Fatalf("dead letters %q, want a expired after 8 rows", dead)
	}
	if st := r.state(t); st == nil || st.Rows != 1 {
		t.Fatalf("state %v, want b learned", st)
	}
}

// TestDelayedJoinCounts: the join group counted nothing (its progress
// line, /api/groups and Prometheus said 0 rows and 0 dead letters). It
// counts the features and label records it reads, the rows it predicts and
// its dead letters by kind, expiries included.
func TestDelayedJoinCounts(t *testing.T) {
	r := runDelayed(t, delayedYAML)
	for _, ev := range []string{"f a 1,2", "f b 0,1", "f c 2,2", "l a 1", "l a 0", "l - 1", "l c x", "expire 61"} {
		r.do(t, ev)
	}
	g := r.stats.Groups.Group(string(r.p.Topics.JoinGroup))
	// In: 3 features and 4 labels; out: the 3 examples predicted; dead:
	// the duplicate, the label without id, the one that does not parse,
	// and b and c expired.
	if got, want := g.Totals(), (runstats.PartitionCounts{Partition: -1, In: 7, Out: 3, Dead: 5}); got != want {
		t.Errorf("join counts %+v, want %+v", got, want)
	}
	want := map[string]int64{runstats.KindDuplicate: 1, runstats.KindNoID: 1, runstats.KindLabel: 1, runstats.KindExpired: 2}
	if got := g.DeadByKind(); !maps.Equal(got, want) {
		t.Errorf("join dead letters by kind %v, want %v", got, want)
	}
}
