package drift

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/streamsgd/streamsgd/model"
)

// flipStream is a SUSY-like binary stream: 18 features, the label the
// sign of a fixed linear function plus noise (a best accuracy of ~0.8);
// from row flipAt on, the labelling is reversed.
type flipStream struct {
	r      *rand.Rand
	w      []float64
	flipAt int64
}

func newFlipStream(seed uint64, flipAt int64) *flipStream {
	r := rand.New(rand.NewPCG(seed, 3))
	w := make([]float64, 18)
	for i := range w {
		w[i] = r.NormFloat64()
	}
	return &flipStream{r: r, w: w, flipAt: flipAt}
}

func (s *flipStream) row(i int64, x []float64) float64 {
	z := 0.0
	for j := range x {
		x[j] = s.r.NormFloat64()
		z += s.w[j] * x[j]
	}
	y := 0.0
	if z+2*s.r.NormFloat64() > 0 {
		y = 1
	}
	if i >= s.flipAt {
		y = 1 - y
	}
	return y
}

func binaryModel(t testing.TB) model.Config {
	c := model.Config{Task: model.TaskBinary, Features: 18, Standardize: true}
	c.EnsureDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// run learns n rows prequentially with a monitor and returns its events
// and the accuracy of each block of 1,000 rows.
func run(t *testing.T, c Config, n, flipAt int64) ([]Event, []float64) {
	mc := binaryModel(t)
	live, err := model.New(mc)
	if err != nil {
		t.Fatal(err)
	}
	mo := NewMonitor(c, mc)
	s := newFlipStream(1, flipAt)
	x, out := make([]float64, 18), make([]float64, 1)
	var events []Event
	var acc []float64
	correct := 0
	for i := range n {
		y := s.row(i, x)
		if err := live.Predict(x, out); err != nil {
			t.Fatal(err)
		}
		if Loss(model.TaskBinary, out, y) == 0 {
			correct++
		}
		if err := live.Learn(x, y); err != nil {
			t.Fatal(err)
		}
		evs, next, err := mo.Step(live, x, y, out, i+1)
		if err != nil {
			t.Fatal(err)
		}
		live = next
		events = append(events, evs...)
		if (i+1)%1000 == 0 {
			acc = append(acc, float64(correct)/1000)
			correct = 0
		}
	}
	return events, acc
}

// TestMonitorFlip: the labelling of a stream flips at row 50,000. The
// detector raises a drift within 200 rows; with a background learner, it
// replaces the live one within 3,000 rows and the accuracy of the
// following block of 1,000 rows is within 3 points of the block before
// the flip. The recovery of the live model alone is logged beside it.
func TestMonitorFlip(t *testing.T) {
	const flipAt, n = 50_000, 70_000
	c := defaults(ADWIN)
	c.Background.Enabled = true
	events, acc := run(t, c, n, flipAt)
	before := acc[flipAt/1000-1]
	var drift, replaced int64 = -1, -1
	for _, e := range events {
		switch {
		case e.Row <= flipAt && (e.Kind == KindDrift || e.Kind == KindReplaced):
			t.Errorf("%s at row %d, before the flip", e.Kind, e.Row)
		case e.Kind == KindDrift && drift < 0:
			drift = e.Row
		case e.Kind == KindReplaced && replaced < 0:
			replaced = e.Row
		}
	}
	t.Logf("accuracy before the flip %.3f; drift at +%d, replaced at +%d; events %d", before, drift-flipAt, replaced-flipAt, len(events))
	if drift < 0 || drift-flipAt > 200 {
		t.Fatalf("drift at row %d, want within 200 rows of %d", drift, flipAt)
	}
	if replaced < 0 || replaced-flipAt > 3000 {
		t.Fatalf("replaced at row %d, want within 3,000 rows of %d", replaced, flipAt)
	}
	after := acc[(replaced+999)/1000]
	if after < before-0.03 {
		t.Errorf("accuracy %.3f in the block after the replacement, want within 3 points of %.3f", after, before)
	}

	c.Background.Enabled = false
	_, slow := run(t, c, n, flipAt)
	t.Logf("without a background learner: accuracy %.3f at +3,000, %.3f at +10,000", slow[flipAt/1000+3], slow[flipAt/1000+10])
}

// TestMonitorRoundTrip: a monitor with a background learner running,
// encoded and decoded, goes on as the original.
func TestMonitorRoundTrip(t *testing.T) {
	c := defaults(ADWIN)
	c.Background.Enabled = true
	mc := binaryModel(t)
	live, _ := model.New(mc)
	a := NewMonitor(c, mc)
	s := newFlipStream(2, 5_000)
	x, out := make([]float64, 18), make([]float64, 1)
	step := func(mo *Monitor, live *model.Model, i int64, y float64) (int, *model.Model) {
		if err := live.Predict(x, out); err != nil {
			t.Fatal(err)
		}
		if err := live.Learn(x, y); err != nil {
			t.Fatal(err)
		}
		evs, next, err := mo.Step(live, x, y, out, i+1)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs), next
	}
	var i int64
	for ; !a.Background() && i < 20_000; i++ {
		_, live = step(a, live, i, s.row(i, x))
	}
	if !a.Background() {
		t.Fatal("no background learner started")
	}
	enc, err := a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := NewMonitor(c, mc)
	if err := b.UnmarshalBinary(enc); err != nil {
		t.Fatal(err)
	}
	liveB := live.Clone()
	for end := i + 3000; i < end; i++ {
		y := s.row(i, x)
		na, nextA := step(a, live, i, y)
		nb, nextB := step(b, liveB, i, y)
		if na != nb {
			t.Fatalf("row %d: %d events from the original, %d from the decoded", i, na, nb)
		}
		live, liveB = nextA, nextB
	}
	ea, _ := a.AppendBinary(nil)
	eb, _ := b.AppendBinary(nil)
	if string(ea) != string(eb) {
		t.Fatal("encodings differ after the same rows")
	}
}

// TestMonitorConfigChange: a monitor written under one detector config
// and read under another starts its detector afresh, keeping its
// replacements; a corrupt detector is an error.
func TestMonitorConfigChange(t *testing.T) {
	mc := binaryModel(t)
	c := defaults(ADWIN)
	a := NewMonitor(c, mc)
	a.Replacements = 2
	live, _ := model.New(mc)
	x, out := make([]float64, 18), []float64{0.9}
	for i := range 5000 {
		if _, _, err := a.Step(live, x, float64(i%2), out, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	enc, err := a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	fewer := c
	fewer.ADWIN.MaxBuckets = 2
	for name, cfg := range map[string]Config{"page-hinkley": defaults(PageHinkley), "fewer buckets": fewer} {
		b := NewMonitor(cfg, mc)
		if err := b.UnmarshalBinary(enc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b.Replacements != 2 || b.det.Stats()[0].Value != 0 {
			t.Errorf("%s: replacements %d, detector %v: want 2 and a fresh detector", name, b.Replacements, b.det.Stats())
		}
	}
	b := NewMonitor(c, mc)
	if err := b.UnmarshalBinary(enc[:len(enc)-4]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated: %v, want ErrCorrupt", err)
	}
}
