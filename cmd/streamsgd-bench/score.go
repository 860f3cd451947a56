package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/score"
)

// scoreTrials is how many times each batch-scoring variant runs; the
// table shows the median.
const scoreTrials = 3

// batchScore measures `streamsgd score` on files: the SUSY-shaped file
// (18 features, logistic) and a Fashion-MNIST-shaped one (784 integer
// pixels, 10-class softmax), each beside its parse-only ceiling (the same
// reader and workers, decoding only) and the plain loop of Predict calls,
// measured in the same run, interleaved trial by trial. Output CSVs are
// written to files.
func batchScore(ctx context.Context, o options) ([]result, error) {
	dir, err := os.MkdirTemp("", "streamsgd-bench-score")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var out []result
	for _, c := range []scoreCase{susyCase(o.rows), pixelCase(max(o.rows/10, 1000))} {
		rs, err := c.measure(ctx, dir)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// scoreCase is one file shape and its model.
type scoreCase struct {
	name  string
	rows  int64
	cfg   model.Config
	write func(w *bufio.Writer, r *rand.Rand, rows int64) error
	// row makes one labeled row (label, features) for training.
	row func(r *rand.Rand, x []float64) float64
}

func susyCase(rows int64) scoreCase {
	g := susy.New(2)
	return scoreCase{
		name: "18 features (SUSY-shaped, logistic)", rows: rows,
		cfg: model.Config{Task: model.TaskBinary, Features: susy.Features, Standardize: true,
			Optimizer: model.Optimizer{Name: model.OptimizerAdam, LearningRate: 0.001}},
		write: func(w *bufio.Writer, _ *rand.Rand, rows int64) error {
			f := susy.New(1)
			var line []byte
			for range rows {
				var label int
				line, label = f.AppendCSV(append(line[:0], '0', ','))
				line[0] = byte('0' + label)
				line = append(line, '\n')
				if _, err := w.Write(line); err != nil {
					return err
				}
			}
			return nil
		},
		row: func(_ *rand.Rand, x []float64) float64 { y, _ := g.Next(x); return float64(y) },
	}
}

func pixelCase(rows int64) scoreCase {
	return scoreCase{
		name: "784 features (Fashion-MNIST-shaped, 10-class softmax)", rows: rows,
		cfg: model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 784, Standardize: true,
			Optimizer: model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.001}},
		write: func(w *bufio.Writer, r *rand.Rand, rows int64) error {
			var line []byte
			for range rows {
				line = strconv.AppendInt(line[:0], int64(r.IntN(10)), 10)
				for range 784 {
					line = strconv.AppendInt(append(line, ','), int64(r.IntN(256)), 10)
				}
				if _, err := w.Write(append(line, '\n')); err != nil {
					return err
				}
			}
			return nil
		},
		row: func(r *rand.Rand, x []float64) float64 {
			for i := range x {
				x[i] = float64(r.IntN(256))
			}
			return float64(r.IntN(10))
		},
	}
}

func (c scoreCase) spec() input.Spec {
	cols := []string{"label"}
	for i := range c.cfg.Features {
		cols = append(cols, "f"+strconv.Itoa(i))
	}
	return input.Spec{Columns: cols, LabelColumn: "label"}
}

// train learns a model from 5,000 rows of the case.
func (c scoreCase) train() (*model.Model, error) {
	m, err := model.New(c.cfg)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(3, 3))
	x := make([]float64, c.cfg.Features)
	for range 5000 {
		if err := m.Learn(x, c.row(r, x)); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (c scoreCase) file(dir string) (string, error) {
	path := filepath.Join(dir, "in.csv")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := c.write(w, rand.New(rand.NewPCG(1, 1)), c.rows); err != nil {
		f.Close()
		return "", err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// variant is one way of going through the file.
type variant struct {
	name string
	run  func(ctx context.Context, in, out *os.File) (batchscore.Stats, error)
}

func (c scoreCase) measure(ctx context.Context, dir string) ([]result, error) {
	path, err := c.file(dir)
	if err != nil {
		return nil, err
	}
	m, err := c.train()
	if err != nil {
		return nil, err
	}
	opts := func(s *score.Scorer) batchscore.Options {
		return batchscore.Options{Spec: c.spec(), Models: batchscore.SingleScorer("m", "m", 1, s)}
	}
	variants := []variant{
		{"parse-only ceiling", func(ctx context.Context, in, _ *os.File) (batchscore.Stats, error) {
			return batchscore.ParseFile(ctx, in, batchscore.Options{Spec: c.spec()})
		}},
		{"streamsgd score (gonum BLAS blocks)", func(ctx context.Context, in, out *os.File) (batchscore.Stats, error) {
			return batchscore.ScoreFile(ctx, in, out, opts(score.New(m)))
		}},
		{"streamsgd score (plain Predict loop)", func(ctx context.Context, in, out *os.File) (batchscore.Stats, error) {
			return batchscore.ScoreFile(ctx, in, out, opts(score.NewLoop(m)))
		}},
	}
	times := make([][]time.Duration, len(variants))
	cpus := make([][]time.Duration, len(variants))
	for range scoreTrials {
		for i, v := range variants {
			el, cpu, err := c.trial(ctx, dir, path, v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
			times[i] = append(times[i], el)
			cpus[i] = append(cpus[i], cpu)
		}
	}
	ceiling, ceilingCPU := medianDuration(times[0]), medianDuration(cpus[0])
	var out []result
	for i, v := range variants {
		med, cpu := medianDuration(times[i]), medianDuration(cpus[i])
		note := fmt.Sprintf("median of %d (%.0f-%.0f rows/s); %.2f µs CPU/row; %d workers", scoreTrials,
			float64(c.rows)/slices.Max(times[i]).Seconds(), float64(c.rows)/slices.Min(times[i]).Seconds(),
			float64(cpu.Microseconds())/float64(c.rows), runtime.GOMAXPROCS(0))
		if i > 0 {
			note = fmt.Sprintf("%.2fx ceiling (CPU per row: %.2fx); output CSV written; ", ceiling.Seconds()/med.Seconds(),
				ceilingCPU.Seconds()/cpu.Seconds()) + note
		}
		out = append(out, result{name: "batch score, " + c.name + ": " + v.name, rows: c.rows, elapsed: med, note: note})
	}
	return append(out, c.kernels(m)...), nil
}

// trial runs one variant over the file once: its wall-clock and CPU time
// (the CPU time tells the cost per row even when other processes share
// the cores).
func (c scoreCase) trial(ctx context.Context, dir, path string, v variant) (time.Duration, time.Duration, error) {
	in, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	out, err := os.Create(filepath.Join(dir, "out.csv"))
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	runtime.GC()
	start, cpu := time.Now(), processCPU()
	st, err := v.run(ctx, in, out)
	if err != nil {
		return 0, 0, err
	}
	if st.Rows != c.rows || st.Rejected != 0 {
		return 0, 0, fmt.Errorf("%d rows (%d rejected), want %d", st.Rows, st.Rejected, c.rows)
	}
	return time.Since(start), processCPU() - cpu, nil
}

// kernels times the scoring kernels alone on one core: blocks already in
// memory, block products against the loop of Predict calls.
func (c scoreCase) kernels(m *model.Model) []result {
	rows := blockRowsOf(c.cfg.Features)
	r := rand.New(rand.NewPCG(5, 5))
	x := make([]float64, rows*c.cfg.Features)
	for i := range rows {
		c.row(r, x[i*c.cfg.Features:(i+1)*c.cfg.Features])
	}
	out := make([]float64, rows*m.Outputs())
	var rs []result
	for _, s := range []struct {
		name string
		s    *score.Scorer
	}{{"gonum BLAS block", score.New(m)}, {"plain Predict loop", score.NewLoop(m)}} {
		n := int64(0)
		start := time.Now()
		for time.Since(start) < 300*time.Millisecond {
			if err := s.s.Score(x, out); err != nil {
				return nil
			}
			n += int64(rows)
		}
		rs = append(rs, result{name: "score kernel, " + c.name + ": " + s.name, rows: n, elapsed: time.Since(start),
			note: fmt.Sprintf("one core, blocks of %d rows in memory", rows)})
	}
	return rs
}

// blockRowsOf is batchscore's block size: about 256 KiB of features.
func blockRowsOf(features int) int { return min(max((1<<15)/features, 16), 1024) }

func medianDuration(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
