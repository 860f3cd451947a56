package main

import (
	"context"
	"fmt"

	"github.com/streamsgd/streamsgd/produce"
)

// Data-parallel shards (issue 4, point 4): one global logistic model (Adam,
// standardisation) of the SUSY-shaped stream in 1, 2 and 4 shards, mixed
// every shardBenchMixEvery rows, on the same input (64-row messages, label
// in the first column, spread over the 4 partitions), one instance each, in
// a child process (as `streamsgd run`). Trials interleave the shard counts
// and the table reports medians; rows/s is measured from the first
// prediction to the last, as for the end-to-end rows.
var shardBenchCounts = []int{1, 2, 4}

const (
	shardBenchMixEvery = 1000
	shardBenchRowsMsg  = 64
)

func shards(ctx context.Context, o options) ([]result, error) {
	env, err := newScenarioEnv(ctx, o, "bench-shards")
	if err != nil {
		return nil, err
	}
	defer env.close()
	brokers, cl, adm, input, suffix := env.brokers, env.cl, env.adm, env.input, env.suffix
	st, err := produce.Run(ctx, cl, produce.NewSynthetic(1, o.rows), produce.Options{
		Topic: input, LabelIn: produce.LabelInValue, RowsPerMessage: shardBenchRowsMsg,
	})
	if err != nil {
		return nil, err
	}
	runs := make([][]result, len(shardBenchCounts))
	for trial := range trials {
		for j := range shardBenchCounts {
			i := (j + trial) % len(shardBenchCounts) // rotate which goes first
			n := shardBenchCounts[i]
			name := fmt.Sprintf("bench-shards-%s-%d-%d", suffix, trial, n)
			run, err := runPipelineChild(ctx, brokers, adm, shardBenchYAML(name, input, n), st.Rows, pipelineChildOptions{})
			if err != nil {
				return nil, fmt.Errorf("%d shards: %w", n, err)
			}
			runs[i] = append(runs[i], run.result)
		}
	}
	var out []result
	var base float64
	for i, n := range shardBenchCounts {
		r := median(runs[i])
		if i == 0 {
			base = r.rate()
		}
		r.name = fmt.Sprintf("global model in %d shard(s), mixed every %d rows", n, shardBenchMixEvery)
		r.note = fmt.Sprintf("%.2fx the %d-shard rate; %d-row msgs, one instance; %s", r.rate()/base, shardBenchCounts[0], shardBenchRowsMsg, r.note)
		out = append(out, r)
	}
	return out, nil
}

// shardBenchYAML is the SUSY pipeline of the bench with the label in the
// first column and the model in n shards.
func shardBenchYAML(name, input string, n int) string {
	return fmt.Sprintf(`
name: %s
partitions: %d
input:
  topics: [%s]
  columns: [label, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17]
  label: {from: column, column: label}
models:
  - name: logreg
    optimizer: {name: adam, learning_rate: 0.01}
    shards: %d
    mix_every: %d
`, name, partitions, input, n, shardBenchMixEvery)
}
