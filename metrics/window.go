package metrics

import "math"

// Window is the compact, fixed-size rolling window kept inside a model's
// state: the last Size rows at a granularity of Size/Buckets rows, as
// Buckets buckets of sufficient statistics. The newest bucket fills first;
// the Update after it is full rotates out the oldest bucket, so a warm
// window covers the full buckets plus the partial newest one.
//
// A Window is not safe for concurrent use.
type Window struct {
	cfg      WindowConfig
	task     int
	capacity int64 // rows per bucket
	cur      int   // newest bucket
	buckets  []bucket
	// hist holds, for binary tasks, per bucket Bins counts of negative rows
	// then Bins counts of positive rows, by equal-width score bin of [0, 1].
	hist []uint32
	// spare holds the buffers UnmarshalBinary decodes into.
	spare struct {
		buckets []bucket
		hist    []uint32
	}
}

// bucket holds the sufficient statistics of up to capacity rows. Which
// fields are used depends on the task.
type bucket struct {
	n, correct int64
	logLoss    float64 // sum of log losses
	absErr     float64 // sum of |yhat - y|
	sqErr      float64 // sum of (yhat - y)²
	mean, m2   float64 // of the labels (Welford), for SStot
}

// NewWindow returns an empty Window; cfg gets its defaults first.
func NewWindow(cfg WindowConfig) (*Window, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Window{
		cfg:      cfg,
		task:     taskCode(cfg.Task),
		capacity: int64(cfg.Size / cfg.Buckets),
		buckets:  make([]bucket, cfg.Buckets),
	}
	if w.task == taskBinary {
		w.hist = make([]uint32, 2*cfg.Buckets*cfg.Bins)
	}
	return w, nil
}

// Config returns the window's config, defaults applied.
func (w *Window) Config() WindowConfig { return w.cfg }

// Reset empties the window.
func (w *Window) Reset() {
	w.cur = 0
	clear(w.buckets)
	clear(w.hist)
}

// Update adds a row. It is O(1) (O(len(pred)) for multiclass) and does not
// allocate. Unusable rows (see the package doc) are ignored.
func (w *Window) Update(y float64, pred []float64) {
	switch {
	case w.task == taskMulticlass:
		if validClass(y, pred) {
			w.addMulticlass(y, pred)
		}
	case !validScore(y, pred):
	case w.task == taskBinary:
		w.addBinary(y, pred[0])
	default:
		w.addRegression(y, pred[0])
	}
}

// current returns the newest bucket, rotating out the oldest one if the
// newest is full.
func (w *Window) current() *bucket {
	if w.buckets[w.cur].n < w.capacity {
		return &w.buckets[w.cur]
	}
	w.cur = (w.cur + 1) % len(w.buckets)
	w.buckets[w.cur] = bucket{}
	clear(w.bucketHist(w.cur))
	return &w.buckets[w.cur]
}

func (w *Window) bucketHist(i int) []uint32 {
	if w.hist == nil {
		return nil
	}
	k := 2 * w.cfg.Bins
	return w.hist[i*k : (i+1)*k]
}

func (w *Window) addBinary(y, p float64) {
	b := w.current()
	b.n++
	if binaryCorrect(y, p) {
		b.correct++
	}
	b.logLoss += binaryLogLoss(y, p)
	w.bucketHist(w.cur)[label(y)*w.cfg.Bins+scoreBin(p, w.cfg.Bins)]++
}

func (w *Window) addMulticlass(y float64, pred []float64) {
	b := w.current()
	b.n++
	if multiCorrect(y, pred) {
		b.correct++
	}
	b.logLoss += multiLogLoss(y, pred)
}

func (w *Window) addRegression(y, yhat float64) {
	b := w.current()
	b.n++
	e := yhat - y
	b.absErr += math.Abs(e)
	b.sqErr += e * e
	d := y - b.mean
	b.mean += d / float64(b.n)
	b.m2 += d * (y - b.mean)
}

// scoreBin maps a score to its equal-width bin of [0, 1]; scores outside
// [0, 1] fall in the first or last bin.
func scoreBin(p float64, bins int) int {
	i := int(min(max(p, 0), 1) * float64(bins))
	return min(i, bins-1)
}

// Rows is the number of rows the window currently covers.
func (w *Window) Rows() int64 {
	var n int64
	for i := range w.buckets {
		n += w.buckets[i].n
	}
	return n
}

// order returns the index of the j-th bucket from the oldest.
func (w *Window) order(j int) int { return (w.cur + 1 + j) % len(w.buckets) }
