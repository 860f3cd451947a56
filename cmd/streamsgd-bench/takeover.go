package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

// Takeover (issue 3's measure, issue 4 point 6): two instances of the
// per-sensor pipeline share the groups while the input arrives at a steady
// rate over 4 partitions; one instance stops and the time until the
// survivor emits predictions again on every partition of the predictions
// topic is measured, from the record timestamps of the predictions.
//
// The instances are child processes (-serve-pipeline, as `streamsgd run`)
// rather than two operations.Run calls in the bench: a process can be killed
// with SIGKILL, so that the instance leaves its groups without a word and
// the brokers must wait for the session timeout. "stop" is SIGTERM: the
// child cancels its context and goka leaves the groups.
//
// Instance A runs for the whole series; each trial starts a new instance B
// (a fresh state dir), waits until both groups are stable with both
// members and every partition has predictions again, then stops or kills B.
// Each partition's takeover ends with the first prediction after the last
// pause of at least takeoverGap in that partition (at the steady rate a
// partition otherwise has a prediction every few milliseconds). Trials
// alternate stop and kill; the series runs without and with hot standby.
const (
	takeoverSensors = 1000
	takeoverRate    = 1000 // input rows per second
	takeoverTrials  = 3    // of each kind, per series
	takeoverGap     = time.Second
	// takeoverSettle: after the last partition resumed, predictions must
	// flow on every partition this long before the trial ends, so that a
	// later pause would still be seen.
	takeoverSettle = 3 * time.Second
	takeoverLimit  = 2 * time.Minute // per wait
)

func takeover(ctx context.Context, o options) ([]result, error) {
	brokers, closeBroker, err := benchBrokers(o)
	if err != nil {
		return nil, err
	}
	defer closeBroker()
	var out []result
	for _, standby := range []bool{false, true} {
		rs, err := takeoverSeries(ctx, brokers, standby)
		if err != nil {
			return nil, fmt.Errorf("hot standby %t: %w", standby, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// takeoverTrial is the takeover time of each partition in one trial.
type takeoverTrial struct{ min, max time.Duration }

func takeoverSeries(ctx context.Context, brokers []string, standby bool) ([]result, error) {
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	suffix := fmt.Sprintf("%d-%t", time.Now().UnixNano()%1e9, standby)
	input := "bench-takeover-" + suffix
	if err := operations.CreateTopic(ctx, adm, input, partitions, 1); err != nil {
		return nil, err
	}
	yaml := sensorYAML("bench-to-"+suffix, input, 0)
	cfg, err := config.Parse([]byte(yaml), "bench.yaml")
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
	groups := []string{string(p.Topics.RouteGroup), string(p.Topics.LearnGroup)}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	produced := make(chan error, 1)
	go func() { produced <- produceSteadily(ctx, cl, input) }()
	arr := &arrivals{}
	go arr.watch(ctx, brokers, string(p.Topics.Predictions))

	dir, err := os.MkdirTemp("", "streamsgd-bench-takeover-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	instance := func(id string) (*pipelineChild, error) {
		return startPipelineChild(pipelineChildOptions{Brokers: brokers, Config: yaml, ClientID: id,
			StateDir: dir + "/" + id, HotStandby: standby})
	}
	a, err := instance("a")
	if err != nil {
		return nil, err
	}
	defer a.stop()
	var stops, kills []takeoverTrial
	for i := range 2 * takeoverTrials {
		b, err := instance(fmt.Sprintf("b%d", i))
		if err != nil {
			return nil, err
		}
		// Both instances own partitions and every partition flows.
		if err := waitGroups(ctx, adm, groups, 2, a, b); err != nil {
			b.kill()
			return nil, err
		}
		if err := arr.waitFlowing(ctx, time.Now().Add(2*time.Second), a, b); err != nil {
			b.kill()
			return nil, err
		}
		t0 := time.Now()
		kill := i%2 == 1
		stopped := make(chan error, 1)
		if kill {
			b.kill()
			stopped <- nil
		} else {
			go func() { _, err := b.stop(); stopped <- err }()
		}
		tr, err := arr.waitTakeover(ctx, t0, a)
		if err != nil {
			return nil, err
		}
		if err := <-stopped; err != nil {
			return nil, err
		}
		if kill {
			kills = append(kills, tr)
		} else {
			stops = append(stops, tr)
		}
		fmt.Fprintf(os.Stderr, "takeover (hot standby %t, kill %t): every partition again after %.1fs, the first after %.1fs\n",
			standby, kill, tr.max.Seconds(), tr.min.Seconds())
		select {
		case err := <-produced:
			return nil, fmt.Errorf("input producer stopped: %w", err)
		default:
		}
	}
	mode := "hot standby off"
	if standby {
		mode = "hot standby on"
	}
	return []result{
		takeoverResult("takeover after stop (SIGTERM), "+mode, stops),
		takeoverResult("takeover after SIGKILL, "+mode, kills),
	}, nil
}

// takeoverResult is the median trial by its slowest partition; seconds is
// that time (rows 0: the rows/s column does not apply).
func takeoverResult(name string, trs []takeoverTrial) result {
	trs = slices.Clone(trs)
	slices.SortFunc(trs, func(a, b takeoverTrial) int { return int(a.max - b.max) })
	m := trs[len(trs)/2]
	return result{name: name, elapsed: m.max, note: fmt.Sprintf(
		"until every partition has predictions again (first partition %.1fs); median of %d trials (slowest partition %.1f-%.1fs); %d rows/s steady input, %d sensors",
		m.min.Seconds(), len(trs), trs[0].max.Seconds(), trs[len(trs)-1].max.Seconds(), takeoverRate, takeoverSensors)}
}

// produceSteadily writes sensor rows at takeoverRate until ctx is done.
func produceSteadily(ctx context.Context, cl *kgo.Client, topic string) error {
	g := newSensorRows(2)
	rng := rand.New(rand.NewPCG(3, 5))
	const tick = 10 * time.Millisecond
	per := int(takeoverRate * tick / time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	errs := make(chan error, 1)
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return fmt.Errorf("produce %s: %w", topic, err)
		case <-t.C:
		}
		for range per {
			key, line := g.appendRow(nil, nil, rng.Int64N(takeoverSensors))
			cl.Produce(ctx, &kgo.Record{Topic: topic, Key: key, Value: line}, func(_ *kgo.Record, err error) {
				if err != nil && ctx.Err() == nil {
					select {
					case errs <- err:
					default:
					}
				}
			})
		}
	}
}

// waitGroups waits until every group is stable with n members, and fails
// if a child exits meanwhile.
func waitGroups(ctx context.Context, adm *kadm.Client, groups []string, n int, children ...*pipelineChild) error {
	deadline := time.Now().Add(takeoverLimit)
	for {
		// Errors are retried until the deadline: Kafka answers
		// COORDINATOR_NOT_AVAILABLE until __consumer_offsets exists.
		ds, err := adm.DescribeGroups(ctx, groups...)
		ok := err == nil && len(ds) == len(groups)
		for _, d := range ds {
			// A group not created yet is an error of its own (kfake) or
			// Dead (Kafka): not stable yet either way.
			ok = ok && d.Err == nil && d.State == "Stable" && len(d.Members) == n
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("groups %v not stable with %d members after %v (last error: %v)", groups, n, takeoverLimit, err)
		}
		if err := pause(ctx, 100*time.Millisecond, children...); err != nil {
			return err
		}
	}
}

// pause sleeps d; it fails if ctx ends or a child exits.
func pause(ctx context.Context, d time.Duration, children ...*pipelineChild) error {
	t := time.NewTimer(d)
	defer t.Stop()
	var exited <-chan struct{}
	var first *pipelineChild
	for _, c := range children {
		select {
		case <-c.exited():
			return c.failed()
		default:
		}
		if exited == nil {
			exited, first = c.exited(), c
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-exited:
		return first.failed()
	case <-t.C:
		return nil
	}
}

// arrivals records the timestamp of every prediction record, by partition.
type arrivals struct {
	mu sync.Mutex
	ts [partitions][]time.Time
	// err is the watcher's error, if it stopped.
	err error
}

func (a *arrivals) watch(ctx context.Context, brokers []string, topic string) {
	cl, err := kafkaclient.New(brokers, kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err == nil {
		defer cl.Close()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			if err = fs.Err0(); err != nil && ctx.Err() == nil {
				break
			}
			a.mu.Lock()
			fs.EachRecord(func(r *kgo.Record) {
				a.ts[r.Partition] = append(a.ts[r.Partition], r.Timestamp)
			})
			a.mu.Unlock()
		}
	}
	if ctx.Err() == nil {
		a.mu.Lock()
		a.err = fmt.Errorf("watch %s: %w", topic, err)
		a.mu.Unlock()
	}
}

// waitFlowing waits until every partition has a prediction made after t.
func (a *arrivals) waitFlowing(ctx context.Context, t time.Time, children ...*pipelineChild) error {
	deadline := time.Now().Add(takeoverLimit)
	for {
		a.mu.Lock()
		err := a.err
		ok := true
		for p := range a.ts {
			ok = ok && len(a.ts[p]) > 0 && a.ts[p][len(a.ts[p])-1].After(t)
		}
		a.mu.Unlock()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("predictions do not flow on every partition after %v", takeoverLimit)
		}
		if err := pause(ctx, 100*time.Millisecond, children...); err != nil {
			return err
		}
	}
}

// waitTakeover waits until every partition resumed after a pause that
// ended after t0 and has flowed for takeoverSettle since the last one
// resumed; it returns the takeover times.
func (a *arrivals) waitTakeover(ctx context.Context, t0 time.Time, survivor *pipelineChild) (takeoverTrial, error) {
	deadline := time.Now().Add(takeoverLimit)
	for {
		tr, done, err := a.takeover(t0)
		if err != nil || done {
			return tr, err
		}
		if time.Now().After(deadline) {
			return tr, fmt.Errorf("no takeover on every partition %v after the stop", takeoverLimit)
		}
		if err := pause(ctx, 200*time.Millisecond, survivor); err != nil {
			return tr, err
		}
	}
}

// takeover computes, for each partition, the end of its last pause of at
// least takeoverGap that ended after t0; done once every partition has one
// and has flowed for takeoverSettle after the latest.
func (a *arrivals) takeover(t0 time.Time) (takeoverTrial, bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return takeoverTrial{}, false, a.err
	}
	now := time.Now()
	tr := takeoverTrial{min: time.Duration(1<<63 - 1)}
	var last time.Time
	for p := range a.ts {
		ts := a.ts[p]
		slices.SortFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
		var resumed time.Time
		for i := len(ts) - 1; i > 0 && ts[i].After(t0); i-- {
			if ts[i].Sub(ts[i-1]) >= takeoverGap {
				resumed = ts[i]
				break
			}
		}
		if resumed.IsZero() || now.Sub(ts[len(ts)-1]) >= takeoverGap {
			return tr, false, nil // not resumed yet, or pausing now
		}
		d := resumed.Sub(t0)
		tr.min, tr.max = min(tr.min, d), max(tr.max, d)
		if resumed.After(last) {
			last = resumed
		}
	}
	return tr, now.Sub(last) >= takeoverSettle, nil
}
