package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/produce"
)

// metricsCost measures what counting costs on the learning path: the
// pipeline of the 1-row scenario run over one input, alternately without
// and with runstats counters (the processors' per-message atomic adds and
// the models' snapshot aggregation), several times in the same run on the
// same broker; it reports the median rates, the ratio of each pair, and
// the CPU time per row of this process (which runs the pipeline and the
// predictions' counter).
func metricsCost(ctx context.Context, o options) ([]result, error) {
	brokers := o.brokers
	if len(brokers) == 0 {
		b, err := startChildBroker()
		if err != nil {
			return nil, err
		}
		defer b.Close()
		brokers = b.addrs
	}
	suffix := fmt.Sprint(time.Now().Unix() % 100000)
	input := "bench-metrics-in-" + suffix
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := operations.CreateTopic(ctx, adm, input, partitions, 1); err != nil {
		return nil, err
	}
	st, err := produce.Run(ctx, cl, produce.NewSynthetic(1, o.rows), produce.Options{Topic: input, LabelIn: produce.LabelInKey})
	if err != nil {
		return nil, err
	}
	var off, on []result
	var ratios []float64
	for i := range trials {
		var pair [2]result
		for j, stats := range []bool{false, true} {
			cpu0 := processCPU()
			cfg, err := benchConfig(fmt.Sprintf("benchm%s-%d-%d", suffix, i, j), input, 1)
			if err != nil {
				return nil, err
			}
			r, err := streamsgd(ctx, brokers, adm, cfg, st, stats)
			if err != nil {
				return nil, err
			}
			r.note = fmt.Sprintf("%.2f µs CPU/row", float64(processCPU()-cpu0)/float64(st.Rows)/1e3)
			pair[j] = r
		}
		off, on = append(off, pair[0]), append(on, pair[1])
		ratios = append(ratios, pair[1].rate()/pair[0].rate())
	}
	slices.Sort(ratios)
	a, b := median(off), median(on)
	a.name, b.name = "learning path, no counters", "learning path, runstats counters"
	b.note = fmt.Sprintf("%.3fx without (per-trial ratios %.3f-%.3f); %s", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1], b.note)
	return []result{a, b}, nil
}
