package metrics

// Rolling keeps exact metrics over the last N rows: a ring buffer of rows,
// each Update reverting the evicted row before adding the new one. It copies
// pred, so callers may reuse their slice; once the buffer has wrapped and
// the prediction length is stable, Update does not allocate.
type Rolling struct {
	metrics []Metric
	ys      []float64
	preds   [][]float64
	next    int // slot of the next row
	n       int // rows held
}

// NewRolling returns a Rolling window of the last window rows over ms
// (a window below 1 is taken as 1). The metrics should be empty.
func NewRolling(window int, ms ...Metric) *Rolling {
	window = max(window, 1)
	return &Rolling{
		metrics: ms,
		ys:      make([]float64, window),
		preds:   make([][]float64, window),
	}
}

// Update adds a row, reverting the oldest one when the window is full.
func (r *Rolling) Update(y float64, pred []float64) {
	i := r.next
	if r.n == len(r.ys) {
		for _, m := range r.metrics {
			m.Revert(r.ys[i], r.preds[i])
		}
	} else {
		r.n++
	}
	r.ys[i] = y
	r.preds[i] = append(r.preds[i][:0], pred...)
	for _, m := range r.metrics {
		m.Update(y, r.preds[i])
	}
	r.next = (i + 1) % len(r.ys)
}

// Len is the number of rows held, at most Size.
func (r *Rolling) Len() int { return r.n }

// Size is the window length N.
func (r *Rolling) Size() int { return len(r.ys) }

// Values returns the metrics' values, in the order given to NewRolling.
func (r *Rolling) Values() []Value {
	return r.AppendValues(make([]Value, 0, len(r.metrics)))
}

// AppendValues appends the metrics' values to dst.
func (r *Rolling) AppendValues(dst []Value) []Value {
	for _, m := range r.metrics {
		dst = append(dst, Value{Name: m.Name(), Value: m.Value()})
	}
	return dst
}
