package runstats

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// Models holds, per model of a pipeline, the rows learned and the rolling
// learning metrics, aggregated over the model's keys, with a bounded
// history of them (the learning curve).
type Models struct {
	byName map[string]*Model
	names  []string
}

// Model is one model's aggregate.
type Model struct {
	// Name of the model.
	Name string
	// Rows learned by this process (all keys of the model).
	Rows atomic.Int64

	mu      sync.Mutex
	now     func() time.Time
	period  time.Duration
	start   time.Time          // of the current period
	sums    map[string]float64 // value × window rows of the period's snapshots
	weights map[string]float64
	keys    int64
	last    Metrics // of the last period with snapshots
	curve   []Point // ring of CurvePoints
	next    int
	full    bool
}

// Metrics is a model's rolling metrics at one moment: each metric the
// row-weighted mean of its keys' snapshots in one period.
type Metrics struct {
	// Values by metric name (accuracy, logloss, auc; rmse, mae, r2).
	Values map[string]float64 `json:"values"`
	// Keys is how many snapshots (keys) the values were made from.
	Keys int64 `json:"keys"`
}

// Point is one point of a learning curve.
type Point struct {
	Time   time.Time          `json:"time"`
	Rows   int64              `json:"rows"`
	Values map[string]float64 `json:"values"`
}

// CurvePoints bounds the learning curve of a model.
const CurvePoints = 600

// DefaultPeriod is how long snapshots are gathered into one value.
const DefaultPeriod = time.Second

// NewModels makes the aggregates of the named models.
func NewModels(names ...string) *Models {
	ms := &Models{byName: map[string]*Model{}}
	for _, n := range names {
		if ms.byName[n] == nil {
			ms.byName[n] = &Model{Name: n, now: time.Now, period: DefaultPeriod, sums: map[string]float64{}, weights: map[string]float64{},
				curve: make([]Point, CurvePoints)}
			ms.names = append(ms.names, n)
		}
	}
	sort.Strings(ms.names)
	return ms
}

// Model returns the aggregate of the named model (nil if none or ms is
// nil).
func (ms *Models) Model(name string) *Model {
	if ms == nil {
		return nil
	}
	return ms.byName[name]
}

// All returns every model's aggregate, by name.
func (ms *Models) All() []*Model {
	if ms == nil {
		return nil
	}
	out := make([]*Model, len(ms.names))
	for i, n := range ms.names {
		out[i] = ms.byName[n]
	}
	return out
}

// Learned counts rows learned by the model.
func (ms *Models) Learned(model string, rows int64) {
	if m := ms.Model(model); m != nil && rows > 0 {
		m.Rows.Add(rows)
	}
}

// Observe adds a metric snapshot of one key of a model to its current
// period.
func (ms *Models) Observe(s *wire.MetricSnapshot) {
	m := ms.Model(s.Model)
	if m == nil {
		return
	}
	w := float64(s.Window)
	if w <= 0 {
		w = 1
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(m.now())
	for _, v := range s.Metrics {
		if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
			continue
		}
		m.sums[v.Name] += v.Value * w
		m.weights[v.Name] += w
	}
	m.keys++
}

// roll closes the current period when it is over: its means become the
// model's metrics and a point of its curve.
func (m *Model) roll(now time.Time) {
	if m.start.IsZero() {
		m.start = now
		return
	}
	if now.Sub(m.start) < m.period {
		return
	}
	if m.keys > 0 {
		vals := make(map[string]float64, len(m.sums))
		for k, s := range m.sums {
			vals[k] = s / m.weights[k]
		}
		m.last = Metrics{Values: vals, Keys: m.keys}
		m.curve[m.next] = Point{Time: now, Rows: m.Rows.Load(), Values: vals}
		m.next = (m.next + 1) % len(m.curve)
		m.full = m.full || m.next == 0
	}
	clear(m.sums)
	clear(m.weights)
	m.keys = 0
	m.start = now
}

// Metrics returns the model's latest rolling metrics (Values nil before
// the first period with snapshots).
func (m *Model) Metrics() Metrics {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(m.now())
	return m.last
}

// Curve returns the points of the learning curve after since (all with a
// zero since), oldest first.
func (m *Model) Curve(since time.Time) []Point {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(m.now())
	pts := []Point{}
	if m.full {
		pts = append(pts, m.curve[m.next:]...)
	}
	pts = append(pts, m.curve[:m.next]...)
	i := sort.Search(len(pts), func(i int) bool { return pts[i].Time.After(since) })
	return pts[i:]
}
