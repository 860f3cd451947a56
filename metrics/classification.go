package metrics

// NewAccuracy returns the exact accuracy: the share of rows predicted
// correctly (threshold 0.5 for one score, first argmax for several).
func NewAccuracy() Metric { return &accuracy{} }

// NewLogLoss returns the exact mean log loss, probabilities clipped to
// [ProbMin, ProbMax]: binary -[y log p + (1-y) log(1-p)] with the label
// taken as 0/1, multiclass -log pred[y].
func NewLogLoss() Metric { return &logLoss{} }

type accuracy struct{ n, correct int64 }

func (*accuracy) Name() string { return NameAccuracy }

func (a *accuracy) Update(y float64, pred []float64) {
	if !validClass(y, pred) {
		return
	}
	a.n++
	if rowCorrect(y, pred) {
		a.correct++
	}
}

func (a *accuracy) Revert(y float64, pred []float64) {
	if !validClass(y, pred) || a.n <= 0 {
		return
	}
	a.n--
	if rowCorrect(y, pred) && a.correct > 0 {
		a.correct--
	}
}

func (a *accuracy) Value() float64 { return ratio(float64(a.correct), a.n) }

type logLoss struct{ m runningMean }

func (*logLoss) Name() string { return NameLogLoss }

func (l *logLoss) Update(y float64, pred []float64) {
	if validClass(y, pred) {
		l.m.add(rowLogLoss(y, pred))
	}
}

func (l *logLoss) Revert(y float64, pred []float64) {
	if validClass(y, pred) {
		l.m.remove(rowLogLoss(y, pred))
	}
}

func (l *logLoss) Value() float64 { return l.m.mean() }
