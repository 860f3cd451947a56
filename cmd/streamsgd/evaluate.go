package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/streamsgd/streamsgd/operations"
)

// EvaluateCmd prints held-out metrics of a scoring deployment: whole-set
// metrics of the predictions in its output.
type EvaluateCmd struct {
	Brokers
	Config     string        `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	Deployment string        `required:"" help:"Deployment (serve[].name) whose predictions are evaluated."`
	Topic      string        `help:"Only the rows of this one of the deployment's topics."`
	Model      string        `help:"Only the rows served by this model (after a promotion, the deployment's rows were served by several)."`
	Wait       time.Duration `default:"60s" help:"First wait up to this long until the score group has scored every row the topics hold now (0: do not wait)."`
	Timeout    time.Duration `default:"5m" help:"Give up after this long."`
}

// Run implements the command.
func (c *EvaluateCmd) Run(ctx context.Context) error {
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	opts, err := sec.Kgo()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	ev, err := operations.Evaluate(ctx, p, operations.EvaluateOptions{
		Brokers: c.List(), Kgo: opts, Deployment: c.Deployment, Topic: c.Topic, Model: c.Model, Wait: c.Wait,
	})
	if err != nil {
		return sec.Explain(err)
	}
	writeEvaluation(os.Stdout, ev)
	return nil
}

func writeEvaluation(w io.Writer, ev *operations.Evaluation) {
	d := ev.Deployment
	only := ""
	if ev.Model != "" {
		only = " (the rows " + ev.Model + " served)"
	}
	fmt.Fprintf(w, "deployment %s: %s scored into %s%s\n", d.Name, strings.Join(ev.Topics, ", "), d.Output, only)
	fmt.Fprintf(w, "rows: %d scored (%d labeled), %d dead-lettered", ev.Scored, ev.Labeled, ev.Dead)
	if ev.Repeats > 0 {
		fmt.Fprintf(w, ", %d repeated predictions dropped", ev.Repeats)
	}
	fmt.Fprintln(w)
	if !ev.CaughtUp {
		fmt.Fprintf(w, "note: the score group had %d record(s) of the topics left to score\n", ev.Lag)
	}
	for _, m := range slices.Sorted(maps.Keys(ev.Models)) {
		v := ev.Versions[m]
		fmt.Fprintf(w, "model %s: %d rows, served versions (rows learned) %d..%d\n", m, ev.Models[m], v[0], v[1])
	}
	for _, m := range ev.Metrics {
		fmt.Fprintf(w, "%-9s %s\n", m.Name, formatMetric(m.Value))
	}
}

func formatMetric(v float64) string {
	if math.IsNaN(v) {
		return "- (undefined)"
	}
	return metricText(v)
}
