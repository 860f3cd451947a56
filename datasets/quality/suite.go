package quality

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/model"
)

// The peer suite (scripts/peers/quality.py, `make quality`) compares one
// online pass of streamsgd with its defaults against Vowpal Wabbit and
// River with theirs. Its protocol, which the script mirrors exactly:
//
//   - a file data set is split as Table.Split does (row i is held out when
//     i%5 == 0); the train rows are visited once in the order
//     Permutation(len(train), seed), for seeds 0..Seeds-1, a fresh model per
//     seed; each row is first predicted (the prequential score) and then
//     learned; the model at the end of the pass scores the held-out rows;
//     both scores are averaged over the seeds;
//   - SUSY: one pass over the first SUSYTrainRows rows of susy.New(1) in
//     stream order, held-out rows the first SUSYTestRows of susy.New(2).
//
// Classification is scored by accuracy (the arg-max class; P(y=1) > 0.5 for
// binary), regression by RMSE.
const (
	SUSYTrainSeed = 1
	SUSYTestSeed  = 2
	SUSYTrainRows = 200_000
	SUSYTestRows  = 50_000
)

// Metric names of the suite.
const (
	MetricAccuracy = "accuracy"
	MetricRMSE     = "rmse"
)

// Dataset is one data set of the peer suite.
type Dataset struct {
	Name    string
	File    string // under the data directory; empty for SUSY
	Label   string // label column of File
	Task    model.Task
	Classes int // multiclass only
	Seeds   int // shuffled passes averaged (1 for SUSY: stream order)
}

// Metric is the held-out score the suite compares: accuracy or RMSE.
func (d Dataset) Metric() string {
	if d.Task == model.TaskRegression {
		return MetricRMSE
	}
	return MetricAccuracy
}

// Suite returns the data sets of the peer suite: the five small real sets
// that scikit-learn ships (in examples/data) and the SUSY-shaped stream.
// The small sets are averaged over 50 shuffled orders (20 for digits): with
// 30 held-out rows (iris) one row is 3.3 points, and one order alone would
// not tell half a point apart.
func Suite() []Dataset {
	return []Dataset{
		{Name: "breast_cancer", File: "breast_cancer.csv", Label: "target", Task: model.TaskBinary, Seeds: 50},
		{Name: "diabetes", File: "diabetes.csv", Label: "target", Task: model.TaskRegression, Seeds: 50},
		{Name: "iris", File: "iris.csv", Label: "target", Task: model.TaskMulticlass, Classes: 3, Seeds: 50},
		{Name: "wine", File: "wine.csv", Label: "target", Task: model.TaskMulticlass, Classes: 3, Seeds: 50},
		{Name: "digits", File: "digits.csv.gz", Label: "target", Task: model.TaskMulticlass, Classes: 10, Seeds: 20},
		{Name: "susy", Task: model.TaskBinary, Seeds: 1},
	}
}

// Score is one learner's figures on one data set, averaged over the seeds.
type Score struct {
	HeldOut     float64 `json:"held_out"`
	Prequential float64 `json:"prequential"`
}

// splitMix64 is the generator of Permutation (Steele, Lea, Flood 2014).
type splitMix64 uint64

func (s *splitMix64) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Permutation is the visiting order of n train rows for a seed: a
// Fisher-Yates shuffle of 0..n-1 driven by SplitMix64 started at seed (for
// i from n-1 down to 1, swap i with next()%(i+1)). The script computes the
// same order.
func Permutation(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	s := splitMix64(seed)
	for i := n - 1; i > 0; i-- {
		j := int(s.next() % uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// Load reads a data set's train and held-out rows: the split of its file in
// dir, or for SUSY the generated rows.
func (d Dataset) Load(dir string) (train, test *Table, err error) {
	if d.File == "" {
		return susyTable(SUSYTrainSeed, SUSYTrainRows), susyTable(SUSYTestSeed, SUSYTestRows), nil
	}
	tab, err := ReadCSVFile(filepath.Join(dir, d.File), d.Label)
	if err != nil {
		return nil, nil, err
	}
	train, test = tab.Split()
	return train, test, nil
}

func susyTable(seed uint64, rows int) *Table {
	g := susy.New(seed)
	t := &Table{Features: susy.FeatureNames(), X: make([][]float64, rows), Y: make([]float64, rows)}
	for i := range t.X {
		t.X[i] = make([]float64, susy.Features)
		label, _ := g.Next(t.X[i])
		t.Y[i] = float64(label)
	}
	return t
}

// Order is the train rows' visiting order of seed s: stream order for SUSY.
func (d Dataset) Order(n int, seed uint64) []int {
	if d.File == "" {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	return Permutation(n, seed)
}

// Run makes a fresh model with newModel for each seed, runs the protocol
// and returns the averaged score.
func (d Dataset) Run(train, test *Table, newModel func() (*model.Model, error)) (Score, error) {
	var sum Score
	for seed := range d.Seeds {
		m, err := newModel()
		if err != nil {
			return Score{}, fmt.Errorf("quality: %s: %w", d.Name, err)
		}
		var preq scorer
		out := make([]float64, m.Outputs())
		for _, i := range d.Order(len(train.X), uint64(seed)) {
			if err := m.Predict(train.X[i], out); err != nil {
				return Score{}, fmt.Errorf("quality: %s: row %d: %w", d.Name, i, err)
			}
			preq.add(d.Task, out, train.Y[i])
			if err := m.Learn(train.X[i], train.Y[i]); err != nil {
				return Score{}, fmt.Errorf("quality: %s: row %d: %w", d.Name, i, err)
			}
		}
		var held scorer
		for i, x := range test.X {
			if err := m.Predict(x, out); err != nil {
				return Score{}, fmt.Errorf("quality: %s: held-out row %d: %w", d.Name, i, err)
			}
			held.add(d.Task, out, test.Y[i])
		}
		sum.HeldOut += held.value(d.Task)
		sum.Prequential += preq.value(d.Task)
	}
	n := float64(d.Seeds)
	return Score{HeldOut: sum.HeldOut / n, Prequential: sum.Prequential / n}, nil
}

// scorer accumulates accuracy (hits) or squared error over rows.
type scorer struct {
	n, hits, se float64
}

func (s *scorer) add(task model.Task, out []float64, y float64) {
	s.n++
	switch task {
	case model.TaskRegression:
		s.se += (out[0] - y) * (out[0] - y)
	case model.TaskBinary:
		if (out[0] > 0.5) == (y > 0.5) {
			s.hits++
		}
	default:
		k := slices.Index(out, slices.Max(out))
		if float64(k) == y {
			s.hits++
		}
	}
}

func (s *scorer) value(task model.Task) float64 {
	if task == model.TaskRegression {
		return math.Sqrt(s.se / s.n)
	}
	return s.hits / s.n
}

// DefaultConfig is the learner a pipeline config gets for a model that
// says only its task: the YAML "task: <task>" decoded as a pipeline's
// model (so with the pipeline's defaults, standardize among them), with the
// classes and features the pipeline derives from its input.
func (d Dataset) DefaultConfig(features int) (model.Config, error) {
	var m config.Model
	if err := yaml.Unmarshal([]byte("name: m\ntask: "+string(d.Task)+"\n"), &m); err != nil {
		return model.Config{}, fmt.Errorf("quality: %s: %w", d.Name, err)
	}
	c := m.Config
	c.Classes, c.Features = d.Classes, features
	c.EnsureDefaults()
	return c, nil
}

// RunDefaults runs the protocol with streamsgd's defaults (DefaultConfig).
func (d Dataset) RunDefaults(train, test *Table) (Score, error) {
	cfg, err := d.DefaultConfig(len(train.Features))
	if err != nil {
		return Score{}, err
	}
	return d.Run(train, test, func() (*model.Model, error) { return model.New(cfg) })
}
