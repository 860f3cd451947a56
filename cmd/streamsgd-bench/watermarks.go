package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
)

// The cost of the exactly-once bookkeeping: the same input, in the same
// run, learned with the learner's watermark check (production) and without
// it (processors.Learn.SkipWatermarks, benchmarks only), trials
// interleaved. The input is the sensor stream with watermarkSensors
// sensors: nearly every batch holds one row, so the check runs once per row
// (its worst case; a global model pays it once per batch of up to 256).
const watermarkSensors = 10_000

func watermarks(ctx context.Context, o options) ([]result, error) {
	env, err := newScenarioEnv(ctx, o, "bench-watermarks")
	if err != nil {
		return nil, err
	}
	defer env.close()
	brokers, cl, adm, input, suffix := env.brokers, env.cl, env.adm, env.input, env.suffix
	rows := max(o.rows/2, 1)
	order := newSensorOrder(watermarkSensors)
	if err := produceSensors(ctx, cl, input, rows, order.sensor); err != nil {
		return nil, err
	}
	var with, without []result
	var ratios []float64
	for i := range trials {
		var pair [2]result // with, without
		order := []bool{false, true}
		if i%2 == 1 { // alternate which goes first
			order = []bool{true, false}
		}
		for _, skip := range order {
			name := fmt.Sprintf("bench-wm-%s-%d-%t", suffix, i, skip)
			run, err := runPipelineChild(ctx, brokers, adm, sensorYAML(name, input, 0), rows, pipelineChildOptions{SkipWatermarks: skip})
			if err != nil {
				return nil, err
			}
			pair[map[bool]int{false: 0, true: 1}[skip]] = run.result
			// The broker keeps every record in memory: drop the run's.
			if err := deleteTopics(ctx, adm, run.topics); err != nil {
				return nil, err
			}
		}
		with, without = append(with, pair[0]), append(without, pair[1])
		ratios = append(ratios, pair[0].rate()/pair[1].rate())
	}
	slices.Sort(ratios)
	w, wo := median(with), median(without)
	w.name = "exactly-once: with watermark check"
	wo.name = "exactly-once: without (bench only)"
	w.note = fmt.Sprintf("%.3fx the rate without (per-trial ratios %.3f-%.3f); %d sensors, 1-row batches; %s",
		w.rate()/wo.rate(), ratios[0], ratios[len(ratios)-1], watermarkSensors, w.note)
	return []result{w, wo}, nil
}

func deleteTopics(ctx context.Context, adm *kadm.Client, topics []string) error {
	resp, err := adm.DeleteTopics(ctx, topics...)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return fmt.Errorf("delete topics: %w", err)
	}
	return nil
}
