package drift

import (
	"fmt"
	"math"

	"github.com/streamsgd/streamsgd/model"
)

// Event kinds.
const (
	// KindWarning: the detector warned (and, with a background learner,
	// one was started).
	KindWarning = "warning"
	// KindDrift: the detector found a drift.
	KindDrift = "drift"
	// KindReplaced: the background learner replaced the live one.
	KindReplaced = "replaced"
	// KindDropped: the background learner was dropped, having not done
	// better than the live one in 10 windows.
	KindDropped = "background_dropped"
)

// Event is something a Monitor found at one row.
type Event struct {
	Kind string
	// Row is the model key's learned-row count at the row (1 for its
	// first).
	Row int64
	// Stats are the detector's statistics, then, for the background
	// learner's events, its rows and both losses.
	Stats []Stat
}

// dropAfter is how many windows a background learner gets to do better.
const dropAfter = 10

// Monitor is the drift state of one model key: its detector and, with
// Background.Enabled, the background learner.
type Monitor struct {
	cfg  Config
	task model.Task
	mcfg model.Config
	det  Detector
	// bg is the background learner, nil when none runs; bgRows the rows it
	// learned, liveLoss and bgLoss the exponentially weighted losses of
	// both over those rows.
	bg               *model.Model
	bgRows           int64
	liveLoss, bgLoss float64
	// Replacements counts the times a background learner replaced the
	// live one.
	Replacements int64
	scores       []float64
}

// NewMonitor returns the empty monitor of a model of config m, nil when c
// runs no detector. c has its defaults applied and is valid.
func NewMonitor(c Config, m model.Config) *Monitor {
	if !c.Enabled() {
		return nil
	}
	return &Monitor{cfg: c, task: m.Task, mcfg: m, det: NewDetector(c)}
}

// Background reports whether a background learner runs.
func (mo *Monitor) Background() bool { return mo.bg != nil }

// Step observes one labeled row that the live learner predicted as scores
// (before learning it: the prequential loss). It updates the detector with
// the row's loss and, if one runs, has the background learner predict and
// learn the row. It returns the events of the row and the learner to use
// from now on: live, or the background learner that replaced it. row is
// the key's learned-row count at this row.
func (mo *Monitor) Step(live *model.Model, x []float64, y float64, scores []float64, row int64) ([]Event, *model.Model, error) {
	loss := Loss(mo.task, scores, y)
	var events []Event
	switch mo.det.Update(loss) {
	case Warning:
		events = append(events, Event{Kind: KindWarning, Row: row, Stats: mo.det.Stats()})
		if err := mo.start(); err != nil {
			return nil, live, err
		}
	case Drift:
		events = append(events, Event{Kind: KindDrift, Row: row, Stats: mo.det.Stats()})
		if err := mo.start(); err != nil {
			return nil, live, err
		}
	}
	if mo.bg == nil {
		return events, live, nil
	}
	ev, next, err := mo.stepBackground(live, x, y, loss, row)
	if ev != nil {
		events = append(events, *ev)
	}
	return events, next, err
}

// start starts a background learner, unless disabled or one runs.
func (mo *Monitor) start() error {
	if !mo.cfg.Background.Enabled || mo.bg != nil {
		return nil
	}
	bg, err := model.New(mo.mcfg)
	if err != nil {
		return fmt.Errorf("drift: background learner: %w", err)
	}
	mo.bg, mo.bgRows, mo.liveLoss, mo.bgLoss = bg, 0, 0, 0
	return nil
}

// stepBackground has the background learner predict and learn one row,
// then replaces the live learner or drops the background one when due.
func (mo *Monitor) stepBackground(live *model.Model, x []float64, y, liveLoss float64, row int64) (*Event, *model.Model, error) {
	if cap(mo.scores) < mo.bg.Outputs() {
		mo.scores = make([]float64, mo.bg.Outputs())
	}
	out := mo.scores[:mo.bg.Outputs()]
	if err := mo.bg.Predict(x, out); err != nil {
		return nil, live, fmt.Errorf("drift: background learner: %w", err)
	}
	bgLoss := Loss(mo.task, out, y)
	if err := mo.bg.Learn(x, y); err != nil {
		return nil, live, fmt.Errorf("drift: background learner: %w", err)
	}
	mo.bgRows++
	// A mean over the first Window rows, then a moving average of span
	// Window.
	w := 1 / float64(min(mo.bgRows, int64(mo.cfg.Background.Window)))
	if !math.IsNaN(liveLoss) && !math.IsNaN(bgLoss) {
		mo.liveLoss += w * (liveLoss - mo.liveLoss)
		mo.bgLoss += w * (bgLoss - mo.bgLoss)
	}
	window := int64(mo.cfg.Background.Window)
	switch {
	case mo.bgRows >= window && mo.bgLoss < mo.liveLoss:
		ev := mo.backgroundEvent(KindReplaced, row)
		next := mo.bg
		mo.Replacements++
		mo.bg = nil
		mo.det = NewDetector(mo.cfg) // the new learner's losses start afresh
		return &ev, next, nil
	case mo.bgRows >= dropAfter*window:
		ev := mo.backgroundEvent(KindDropped, row)
		mo.bg = nil
		return &ev, live, nil
	}
	return nil, live, nil
}

func (mo *Monitor) backgroundEvent(kind string, row int64) Event {
	return Event{Kind: kind, Row: row, Stats: append(mo.det.Stats(),
		Stat{"background_rows", float64(mo.bgRows)},
		Stat{"live_loss", mo.liveLoss}, Stat{"background_loss", mo.bgLoss},
		Stat{"replacements", float64(mo.Replacements + boolInt(kind == KindReplaced))})}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Loss is the loss a detector watches: for a classifier the 0/1 loss of
// its predicted class (bounded, as ADWIN's bound and Page-Hinkley's
// default threshold assume), for a regression the squared error. scores
// are the model's outputs (binary: P(y=1); multiclass: P(y=k); regression:
// the prediction). NaN when undefined.
func Loss(task model.Task, scores []float64, y float64) float64 {
	switch task {
	case model.TaskBinary:
		if (scores[0] >= 0.5) == (y >= 0.5) {
			return 0
		}
		return 1
	case model.TaskMulticlass:
		best := 0
		for i, s := range scores {
			if s > scores[best] {
				best = i
			}
		}
		if float64(best) == y {
			return 0
		}
		return 1
	}
	d := scores[0] - y
	return d * d
}
