package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/streamsgd/streamsgd/httpapi"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/runstats"
	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
)

// RunCmd runs a pipeline's processors until SIGINT/SIGTERM. Faults (a
// broker gone, a failed rebalance) restart the groups in-process with
// backoff (operations.Run); only a config error ends it.
type RunCmd struct {
	Brokers
	Config     string   `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	StateDir   string   `default:"${state_dir}" help:"Local pebble stores of the tables."`
	Groups     []string `help:"Run only these groups (default: all), e.g. susy-learn."`
	ClientID   string   `default:"${client_id}" help:"Client id of this instance."`
	HotStandby bool     `help:"Keep replicas of the tables of other partitions for fast takeover."`
	Verbose    bool     `short:"v" help:"Log goka's messages to stderr."`
	// Group timing: a killed instance's partitions move after its session
	// times out.
	SessionTimeout time.Duration `default:"${session_timeout}" help:"Consumer-group session timeout: how long a killed instance holds its partitions. On Apache Kafka 6s (its group.min.session.timeout.ms) shortens takeovers; keep 10s on the embedded broker."`
	Heartbeat      time.Duration `default:"${heartbeat}" help:"Consumer-group heartbeat interval (at most a third of --session-timeout)."`
	HTTP           string        `name:"http" default:"127.0.0.1:8080" help:"Serve metrics, the API and the dashboard on this address; an empty one (--http=) turns the server off."`
	Quiet          bool          `short:"q" help:"No progress lines (rows/s, lag, dead letters per group every --progress)."`
	ProgressEvery  time.Duration `name:"progress" default:"5s" help:"Interval of the progress lines."`
	MemoryMB       int           `name:"memory-limit-mb" default:"0" help:"Soft memory limit of this process in MiB (as GOMEMLIMIT, which wins when set). 0: the config's state.memory_mb + 96; negative (--memory-limit-mb=-1): none."`
}

// Run implements the command.
func (c *RunCmd) Run(ctx context.Context) error {
	timing := kafkaclient.GroupTiming{SessionTimeout: c.SessionTimeout, Heartbeat: c.Heartbeat}
	if err := timing.Validate(); err != nil {
		return fmt.Errorf("--session-timeout/--heartbeat: %w", err)
	}
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	lock, err := lockStores(c.StateDir, p, c.Groups, c.HTTP != "")
	if err != nil {
		return err
	}
	defer lock.Close()
	// Once running, faults are healed; at the start a broker that cannot
	// be reached or topics that cannot be made end the command with one
	// line.
	adm, cl, err := c.AdminWith(sec)
	if err != nil {
		return err
	}
	err = sec.Explain(operations.EnsureTopics(ctx, adm, p))
	cl.Close()
	switch {
	case err != nil && ctx.Err() != nil:
		// Stopped by a signal before the groups started: a normal stop.
		return nil
	case err != nil:
		return err
	}
	o := operations.RunOptions{
		Brokers: c.List(), StateDir: c.StateDir, ClientID: c.ClientID, HotStandby: c.HotStandby,
		Security: sec, Timing: timing,
		Restarted: func(e operations.RestartEvent) { log.Printf("streamsgd run: %v", e) },
	}
	for _, g := range c.Groups {
		o.Groups = append(o.Groups, goka.Group(g))
	}
	if c.Verbose {
		o.Logger = log.New(os.Stderr, "", log.LstdFlags)
	}
	limit := operations.SetMemoryLimit(c.MemoryMB, p)
	signalled := ctx // done on SIGINT or SIGTERM
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	watch, err := c.watch(ctx, p, &o)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "streamsgd run: pipeline %s on %v, %s; Ctrl-C to stop\n", p.Config.Name, o.Brokers, limit)
	// A stop takes a second or two (messages in flight, leaving the
	// groups): say so, lest it look like a hang.
	defer context.AfterFunc(signalled, func() {
		fmt.Fprintln(os.Stderr, "streamsgd run: stopping: finishing the messages in flight, leaving the groups")
	})()
	err = operations.Run(ctx, p, o)
	stop()
	err = errors.Join(err, watch())
	// ctx is done now (stop): whether the run was stopped by a signal is
	// signalled's. A fault that ends the run (a config error found once
	// connected) exits non-zero.
	switch {
	case err == nil || errors.Is(err, context.Canceled) && signalled.Err() != nil:
		if signalled.Err() != nil {
			fmt.Fprintln(os.Stderr, "streamsgd run: stopped")
		}
		return nil
	case signalled.Err() != nil:
		// Stopped by a signal while a group was failing (say, waiting for
		// a broker): a normal stop, with what it was doing said.
		log.Printf("streamsgd run: stopped; a group was failing: %v", err)
		return nil
	default:
		return err
	}
}

// lockStores locks the directories that a run's groups (all of p's, or
// those named) and, with views (--http), its table views keep their stores
// in under stateDir: two processes on one state directory fail at once,
// naming it, when they would open the same stores, and not when they run
// other groups (--groups route in one, learn in another).
func lockStores(stateDir string, p *topology.Pipeline, groups []string, views bool) (io.Closer, error) {
	var dirs []string
	for _, g := range p.Groups() {
		if len(groups) == 0 || slices.Contains(groups, string(g.Group())) {
			dirs = append(dirs, filepath.Join(stateDir, string(g.Group())))
		}
	}
	if views {
		dirs = append(dirs, filepath.Join(stateDir, operations.ViewsDir))
	}
	l, err := state.LockDirs(dirs...)
	if err != nil {
		return nil, fmt.Errorf("%w: stop it, or give each instance its own --state-dir", err)
	}
	return l, nil
}

// lagEvery is how often a run measures its groups' consumer lag.
const lagEvery = 2 * time.Second

// watch starts what lets a user see the run: the counters, the lag
// measure, the progress lines and, with --http, the HTTP server (metrics,
// API, dashboard) and the table views it reads. The returned function
// waits for them after ctx is done. A taken --http address is an error
// before anything starts.
func (c *RunCmd) watch(ctx context.Context, p *topology.Pipeline, o *operations.RunOptions) (func() error, error) {
	if c.Quiet && c.HTTP == "" {
		return func() error { return nil }, nil
	}
	groups := make([]string, 0, len(p.Groups()))
	for _, g := range p.Groups() {
		if len(o.Groups) == 0 || slices.Contains(o.Groups, g.Group()) {
			groups = append(groups, string(g.Group()))
		}
	}
	o.Stats = p.NewStats()
	kgoOpts, err := o.Security.Kgo()
	if err != nil {
		return nil, err
	}
	eg, ctx := errgroup.WithContext(ctx)
	if c.HTTP != "" {
		ln, err := httpapi.Listen(c.HTTP)
		if err != nil {
			return nil, err
		}
		srv, run, err := c.server(p, *o, groups, kgoOpts)
		if err != nil {
			ln.Close()
			return nil, err
		}
		o.Processor = srv.SetProcessor
		eg.Go(func() error { return logged("table views", run(ctx)) })
		eg.Go(func() error { return logged("http server", srv.Serve(ctx, ln)) })
		fmt.Fprintf(os.Stderr, "streamsgd run: dashboard http://%s/ , metrics http://%s/metrics\n", ln.Addr(), ln.Addr())
	}
	eg.Go(func() error {
		return logged("lag", operations.PollLag(ctx, o.Brokers, kgoOpts, groups, lagEvery, o.Stats))
	})
	if !c.Quiet {
		eg.Go(func() error { return progress(ctx, runstats.NewProgress(o.Stats, groups), c.ProgressEvery) })
	}
	return eg.Wait, nil
}

// server makes the HTTP server of the run and returns it with the
// function that runs the table views it reads (and closes its registry
// client after them).
func (c *RunCmd) server(p *topology.Pipeline, o operations.RunOptions, groups []string, kgoOpts []kgo.Opt) (*httpapi.Server, func(context.Context) error, error) {
	token, err := p.Config.APIToken(os.LookupEnv)
	if err != nil {
		return nil, nil, err
	}
	views, err := operations.NewViews(p, o)
	if err != nil {
		return nil, nil, err
	}
	pins, err := registry.New(p, o.Brokers, kgoOpts...)
	if err != nil {
		return nil, nil, err
	}
	srv := httpapi.New(httpapi.Options{
		Pipeline: p, Stats: o.Stats, Groups: groups, Tables: views, Pins: pins,
		Token:        token,
		MaxBodyBytes: int64(p.Config.API.MaxBodyKB) << 10, MaxRows: p.Config.API.MaxRows,
		Version: buildVersion(),
	})
	run := func(ctx context.Context) error {
		defer pins.Close()
		return views.Run(ctx)
	}
	return srv, run, nil
}

// logged logs what stopped with an error (the run goes on without it).
func logged(what string, err error) error {
	if err != nil {
		log.Printf("streamsgd run: %s stopped: %v", what, err)
	}
	return nil
}

// progress logs the progress lines every interval until ctx is done.
func progress(ctx context.Context, p *runstats.Progress, every time.Duration) error {
	p.Lines(time.Now()) // the base of the first rates
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			for _, l := range p.Lines(now) {
				log.Printf("streamsgd run: %s", l)
			}
		}
	}
}
