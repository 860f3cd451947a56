package integration

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/topology"
)

// taskClasses are the label strings of the multiclass task, in class order.
var taskClasses = []string{"cat", "dog", "bird"}

// taskRow is one generated row with a label for every task.
type taskRow struct {
	x      [3]float64
	binary float64
	class  int
	target float64
}

// taskRows makes rows of three ground truths over the same features; 2%
// of the regression targets are outliers (what the Huber loss is for).
func taskRows(r *rand.Rand, n int) []taskRow {
	out := make([]taskRow, n)
	for i := range out {
		x := [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		row := taskRow{x: x, target: 2 + 1.5*x[0] - x[1] + 0.5*x[2] + 0.1*r.NormFloat64()}
		if x[0]-0.5*x[1]+0.2*r.NormFloat64() > 0 {
			row.binary = 1
		}
		logits := []float64{x[0], x[1], -x[0] - x[1] + 0.3*x[2]}
		for k := range logits {
			logits[k] += 0.2 * r.NormFloat64()
		}
		row.class = argmax(logits)
		if r.IntN(50) == 0 {
			row.target += 20
		}
		out[i] = row
	}
	return out
}

func argmax(v []float64) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// taskMessages packs rows "x0,x1,x2,yb,yc,yr" into messages of 1 to 3 rows.
func taskMessages(r *rand.Rand, rows []taskRow) ([]message, [][]taskRow) {
	var msgs []message
	var rowsOf [][]taskRow
	for len(rows) > 0 {
		n := min(len(rows), 1+r.IntN(3))
		var b strings.Builder
		m := message{rec: &kgo.Record{}}
		for i, row := range rows[:n] {
			fmt.Fprintf(&b, "%g,%g,%g,%g,%s,%g\n", row.x[0], row.x[1], row.x[2], row.binary, taskClasses[row.class], row.target)
			m.good = append(m.good, int32(i))
		}
		m.rec.Value = []byte(b.String())
		msgs, rowsOf = append(msgs, m), append(rowsOf, rows[:n])
		rows = rows[n:]
	}
	return msgs, rowsOf
}

// taskPipelineYAML is a pipeline over the task rows learning from one label
// column; models is the YAML list of its models.
func taskPipelineYAML(name, input, label, classes, models string) string {
	return fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [x0, x1, x2, yb, yc, yr]
  features: [x0, x1, x2]
  label: {from: column, column: %s%s}
models:
%s`, name, input, label, classes, models)
}

// taskCase is one pipeline of TestMulticlassAndRegressionModels.
type taskCase struct {
	name    string
	label   string // label column
	classes string // YAML of input.label.classes, or ""
	models  string // YAML list of models
	// want maps the model names to their task.
	want map[string]string
	// label of a row, as the predictions must carry it.
	labelOf func(taskRow) float64
}

var taskCases = []taskCase{
	{
		name: "binary", label: "yb",
		models: `  - {name: logreg, task: binary, learner: logistic, metrics: {window: 200, emit_every: 100}}
`,
		want:    map[string]string{"logreg": "binary"},
		labelOf: func(r taskRow) float64 { return r.binary },
	},
	{
		name: "multiclass", label: "yc", classes: ", classes: [cat, dog, bird]",
		models: `  - {name: softmax, task: multiclass, learner: softmax, optimizer: {name: adam, learning_rate: 0.05}, metrics: {window: 200, emit_every: 100}}
`,
		want:    map[string]string{"softmax": "multiclass"},
		labelOf: func(r taskRow) float64 { return float64(r.class) },
	},
	{
		name: "regression", label: "yr",
		models: `  - {name: huber, task: regression, learner: linear, loss: huber, huber_delta: 1.0, optimizer: {name: sgd, learning_rate: 0.05}, metrics: {window: 200, emit_every: 100}}
  - {name: ols, task: regression, metrics: {window: 200, emit_every: 100}}
`,
		want:    map[string]string{"huber": "regression", "ols": "regression"},
		labelOf: func(r taskRow) float64 { return r.target },
	},
}

// taskMetrics are the metrics a snapshot of each task carries, in order.
var taskMetrics = map[string][]string{
	"binary":     {"accuracy", "logloss", "auc"},
	"multiclass": {"accuracy", "logloss"},
	"regression": {"rmse", "mae", "r2"},
}

// TestMulticlassAndRegressionModels runs three pipelines over one CSV
// stream, one per task (binary logistic; softmax over string classes;
// linear regression with Huber and squared losses), and checks that every
// row is predicted once per model with the task's shape (scores of length
// 1, K, 1; the predicted class or value consistent with the scores; the
// label as given, a class index for string classes) and that the metric
// snapshots carry the task's metrics.
func TestMulticlassAndRegressionModels(t *testing.T) {
	const rows = 600
	brokers := cluster(t)
	input := inputTopic(t, brokers, "tasks", 2)
	r := rand.New(rand.NewPCG(7, 8))
	msgs, rowsOf := taskMessages(r, taskRows(r, rows))
	produceMessages(t, brokers, input, msgs)
	byID := map[string]taskRow{}
	for i, m := range msgs {
		for j, row := range rowsOf[i] {
			byID[recordID(m.rec, int32(j))] = row
		}
	}

	ps := make([]*topology.Pipeline, len(taskCases))
	ins := make([]*instance, len(taskCases))
	for i, tc := range taskCases {
		name := unique(tc.name)
		ps[i] = pipeline(t, brokers, name+".yaml", taskPipelineYAML(name, input, tc.label, tc.classes, tc.models))
		ins[i] = start(t, ps[i], brokers, name)
	}
	for i, tc := range taskCases {
		t.Run(tc.name, func(t *testing.T) {
			got := collectPredictions(t, brokers, ps[i], rows, 30*time.Second, ins[i])
			for model, task := range tc.want {
				checkTaskPredictions(t, model, task, got[model], byID, tc.labelOf)
			}
			checkTaskSnapshots(t, brokers, ps[i], ins[i], tc.want)
		})
	}
}

// collectPredictions reads a predictions topic until every model predicted
// want distinct rows (or the deadline), returning them by model and id.
func collectPredictions(t *testing.T, brokers []string, p *topology.Pipeline, want int, deadline time.Duration, in *instance) map[string]map[string][]wire.Prediction {
	t.Helper()
	out := map[string]map[string][]wire.Prediction{}
	for _, m := range p.Models {
		out[m.Name] = map[string][]wire.Prediction{}
	}
	read := 0
	consumeUntil(t, brokers, p.Topics.Predictions, deadline, func(recs []*kgo.Record) bool {
		for _, pb := range decodeAll[wire.PredictionBatch](t, p.PredictionCodec, recs[read:]) {
			for _, pr := range pb.Predictions {
				out[pr.Model][pr.ID] = append(out[pr.Model][pr.ID], pr)
			}
		}
		read = len(recs)
		for _, ids := range out {
			if len(ids) < want {
				return false
			}
		}
		return true
	}, in)
	return out
}

// checkTaskPredictions checks that every row has exactly one prediction of
// model, of the task's shape, with the row's label.
func checkTaskPredictions(t *testing.T, model, task string, got map[string][]wire.Prediction, rows map[string]taskRow, labelOf func(taskRow) float64) {
	t.Helper()
	seen := map[string]int{}
	want := map[string]bool{}
	for id := range rows {
		want[id] = true
	}
	bad := 0
	for id, ps := range got {
		seen[id] = len(ps)
		row, ok := rows[id]
		if !ok {
			continue // reported by checkOnce
		}
		for _, p := range ps {
			if msg := predictionProblem(p, task, labelOf(row)); msg != "" && bad < 5 {
				bad++
				t.Errorf("%s: prediction %s: %s (%+v)", model, id, msg, p)
			}
		}
	}
	checkOnce(t, model, seen, want)
}

// predictionProblem says what is wrong with a prediction of a task, or "".
func predictionProblem(p wire.Prediction, task string, label float64) string {
	switch {
	case p.Label == nil:
		return fmt.Sprintf("no label, want %v", label)
	case *p.Label != label:
		return fmt.Sprintf("label %v, want %v", *p.Label, label)
	}
	for _, s := range p.Scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return "a score is not finite"
		}
	}
	switch task {
	case "binary":
		switch {
		case len(p.Scores) != 1:
			return fmt.Sprintf("%d scores, want 1", len(p.Scores))
		case p.Scores[0] < 0 || p.Scores[0] > 1:
			return "the score is not a probability"
		case p.Predicted != map[bool]float64{true: 1, false: 0}[p.Scores[0] >= 0.5]:
			return "the predicted class does not match the score"
		}
	case "multiclass":
		sum := 0.0
		for _, s := range p.Scores {
			sum += s
		}
		switch {
		case len(p.Scores) != len(taskClasses):
			return fmt.Sprintf("%d scores, want %d", len(p.Scores), len(taskClasses))
		case math.Abs(sum-1) > 1e-9 || slices.Min(p.Scores) < 0:
			return fmt.Sprintf("scores sum to %v, want class probabilities", sum)
		case p.Predicted != float64(argmax(p.Scores)):
			return "the predicted class is not the most probable"
		}
	case "regression":
		if len(p.Scores) != 1 || p.Predicted != p.Scores[0] {
			return "want one score, equal to the prediction"
		}
	}
	return ""
}

// checkTaskSnapshots checks that every model has metric snapshots and that
// each carries its task's metrics, in a meaningful range.
func checkTaskSnapshots(t *testing.T, brokers []string, p *topology.Pipeline, in *instance, models map[string]string) {
	t.Helper()
	var snaps []*wire.MetricSnapshot
	consumeUntil(t, brokers, p.Topics.Metrics, 10*time.Second, func(recs []*kgo.Record) bool {
		snaps = append(snaps, decodeAll[wire.MetricSnapshot](t, p.MetricsCodec, recs[len(snaps):])...)
		have := map[string]bool{}
		for _, s := range snaps {
			have[s.Model] = true
		}
		return len(have) == len(models)
	}, in)
	count := map[string]int{}
	for _, s := range snaps {
		task, ok := models[s.Model]
		if !ok {
			t.Errorf("snapshot of unknown model %q", s.Model)
			continue
		}
		count[s.Model]++
		checkSnapshot(t, s, s.Model, taskMetrics[task]...)
		for _, m := range s.Metrics {
			if v := m.Value; (m.Name == "accuracy" || m.Name == "auc") && !(v >= 0 && v <= 1) ||
				(m.Name == "logloss" || m.Name == "rmse" || m.Name == "mae") && !(v >= 0) {
				t.Errorf("%s: %s = %v out of range", s.Model, m.Name, v)
			}
		}
	}
	for model := range models {
		if count[model] == 0 {
			t.Errorf("%s: no metric snapshot", model)
		}
	}
}
