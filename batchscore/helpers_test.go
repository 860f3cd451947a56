package batchscore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/model"
)

// trained returns a model of cfg after rows rows of a fixed problem: a
// linear function of the features, thresholded for binary tasks, cut in
// Classes bands for multiclass ones.
func trained(t testing.TB, cfg model.Config, seed uint64) *model.Model {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 3))
	for range 2000 {
		x := make([]float64, cfg.Features)
		for i := range x {
			x[i] = float64(i) + r.NormFloat64()
		}
		if err := m.Learn(x, target(cfg, x, r)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func target(cfg model.Config, x []float64, r *rand.Rand) float64 {
	z := x[0] - float64(0) - 0.5*(x[len(x)-1]-float64(len(x)-1)) + 0.3*r.NormFloat64()
	switch cfg.Task {
	case model.TaskBinary:
		if z > 0 {
			return 1
		}
		return 0
	case model.TaskMulticlass:
		return float64(min(max(int(z+float64(cfg.Classes)/2), 0), cfg.Classes-1))
	}
	return 2 + z
}

// csvRows makes n lines "y,x0,...": features like trained's.
func csvRows(cfg model.Config, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 4))
	lines := make([]string, n)
	for j := range lines {
		x := make([]float64, cfg.Features)
		parts := make([]string, cfg.Features+1)
		for i := range x {
			x[i] = float64(i) + r.NormFloat64()
			parts[i+1] = fmt.Sprint(x[i])
		}
		parts[0] = fmt.Sprint(target(cfg, x, r))
		lines[j] = strings.Join(parts, ",")
	}
	return lines
}

// columns are "y,x0,...,x{n-1}".
func columns(n int) []string {
	cols := []string{"y"}
	for i := range n {
		cols = append(cols, fmt.Sprintf("x%d", i))
	}
	return cols
}

func labeledSpec(features int) input.Spec {
	return input.Spec{Columns: columns(features), LabelColumn: "y"}
}

// scoreString runs ScoreFile over text and returns its output and rejects.
func scoreString(t testing.TB, text string, o Options) (string, []Reject, Stats) {
	t.Helper()
	var rejects []Reject
	o.OnReject = func(r Reject) { rejects = append(rejects, r) }
	var out bytes.Buffer
	st, err := ScoreFile(context.Background(), strings.NewReader(text), &out, o)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), rejects, st
}
