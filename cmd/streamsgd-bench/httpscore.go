package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/httpapi"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/produce"
	"github.com/streamsgd/streamsgd/topology"
)

// httpScoreRows is how many rows the model of the score endpoint learns
// before the load.
const httpScoreRows = 100_000

// The loads of the score endpoint: requests/s, each for 10 s.
var httpScoreRates = []int{1_000, 5_000, 10_000}

// httpScore measures the /api/score endpoint of a run's HTTP server
// (httpapi over operations.Views, as `streamsgd run --http` serves it) for
// one row per request, under an open-loop load from a second process on
// loopback, at several rates: achieved requests/s, p50/p99/p99.9/max
// latency, and the CPU per request of the server process and of the client.
func httpScore(ctx context.Context, o options) ([]result, error) {
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
	input, served := "bench-http-in-"+suffix, "bench-http-served-"+suffix
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	for _, t := range []string{input, served} {
		if err := operations.CreateTopic(ctx, adm, t, partitions, 1); err != nil {
			return nil, err
		}
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
name: benchhttp%s
partitions: %d
input:
  topics: [%s]
  columns: [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17]
  label: {from: key}
models:
  - name: logreg
    optimizer: {name: adam, learning_rate: 0.01}
serve:
  - {name: live, topics: [%s], model: logreg}
`, suffix, partitions, input, served)), "bench-http.yaml")
	if err != nil {
		return nil, err
	}
	p, err := topology.Build(cfg)
	if err != nil {
		return nil, err
	}
	if err := operations.EnsureTopics(ctx, adm, p); err != nil {
		return nil, err
	}
	if _, err := produce.Run(ctx, cl, produce.NewSynthetic(1, httpScoreRows), produce.Options{Topic: input, LabelIn: produce.LabelInKey}); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "streamsgd-bench-http-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ro := operations.RunOptions{Brokers: brokers, StateDir: dir, Stats: p.NewStats()}
	views, err := operations.NewViews(p, ro)
	if err != nil {
		return nil, err
	}
	srv := httpapi.New(httpapi.Options{Pipeline: p, Stats: ro.Stats, Tables: views})
	ro.Processor = srv.SetProcessor
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 3)
	go func() { errs <- operations.Run(rctx, p, ro) }()
	go func() { errs <- views.Run(rctx) }()
	go func() { errs <- srv.Serve(rctx, ln) }()
	if err := waitLearned(rctx, ro, "logreg", httpScoreRows, errs); err != nil {
		return nil, err
	}
	for !views.Recovered() {
		time.Sleep(100 * time.Millisecond)
	}
	url := "http://" + ln.Addr().String() + "/api/score/live"
	body := `{"features":[0.97,0.18,-0.34,1.16,0.03,0.94,0.88,1.02,-0.41,0.55,0.71,1.2,0.3,0.9,0.2,0.4,0.8,0.1]}`
	var out []result
	for _, rate := range httpScoreRates {
		cpu0 := processCPU()
		res, err := loadChild(ctx, loadOptions{URL: url, Body: body, Rate: rate, Duration: 10 * time.Second, Workers: 64})
		if err != nil {
			return nil, err
		}
		server := processCPU() - cpu0
		note := fmt.Sprintf("target %d req/s: p50 %s, p99 %s, p99.9 %s, max %s; %d failed; CPU/request server %s, client %s",
			rate, ms(res.P50), ms(res.P99), ms(res.P999), ms(res.Max), res.Failed,
			perReq(server, res.Sent), perReq(res.CPU, res.Sent))
		if res.FirstError != "" {
			note += "; first error: " + res.FirstError
		}
		out = append(out, result{name: fmt.Sprintf("http /api/score, 1 row/request @%d/s", rate), rows: int64(res.OK), elapsed: res.Elapsed, note: note})
	}
	cancel()
	for range 3 {
		if err := <-errs; err != nil && !errors.Is(err, context.Canceled) {
			return out, err
		}
	}
	return out, nil
}

// waitLearned waits until the run's stats say model learned rows rows.
func waitLearned(ctx context.Context, ro operations.RunOptions, model string, rows int64, errs <-chan error) error {
	m := ro.Stats.Models.Model(model)
	for m.Rows.Load() < rows {
		select {
		case err := <-errs:
			return fmt.Errorf("stopped before learning %d rows: %w", rows, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func perReq(d time.Duration, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fµs", float64(d)/float64(n)/float64(time.Microsecond))
}
