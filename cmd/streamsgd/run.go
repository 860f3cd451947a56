package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
)

// RunCmd runs a pipeline's processors until SIGINT/SIGTERM. Faults (a
// broker gone, a failed rebalance) restart the groups in-process with
// backoff (operations.Run); only a config error ends it.
type RunCmd struct {
	Brokers
	Config     string   `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	StateDir   string   `default:"streamsgd-state" help:"Local pebble stores of the tables."`
	Groups     []string `help:"Run only these groups (default: all), e.g. susy-learn."`
	ClientID   string   `default:"streamsgd" help:"Client id of this instance."`
	HotStandby bool     `help:"Keep replicas of the tables of other partitions for fast takeover."`
	Verbose    bool     `short:"v" help:"Log goka's messages to stderr."`
	// Group timing: a killed instance's partitions move after its session
	// times out.
	SessionTimeout time.Duration `default:"10s" help:"Consumer-group session timeout: how long a killed instance holds its partitions. On Apache Kafka 6s (its group.min.session.timeout.ms) shortens takeovers; keep 10s on the embedded broker."`
	Heartbeat      time.Duration `default:"3s" help:"Consumer-group heartbeat interval (at most a third of --session-timeout)."`
	MemoryMB       int           `name:"memory-limit-mb" default:"0" help:"Soft memory limit of this process in MiB (as GOMEMLIMIT, which wins when set). 0: the config's state.memory_mb + 96; negative: none."`
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
	// Once running, faults are healed; at the start a broker that cannot
	// be reached or topics that cannot be made end the command with one
	// line.
	adm, cl, err := c.AdminWith(sec)
	if err != nil {
		return err
	}
	err = sec.Explain(operations.EnsureTopics(ctx, adm, p))
	cl.Close()
	if err != nil {
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
	fmt.Fprintf(os.Stderr, "streamsgd run: pipeline %s on %v, %s; Ctrl-C to stop\n", p.Config.Name, o.Brokers, limit)
	err = operations.Run(ctx, p, o)
	switch {
	case err == nil || errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return nil
	case ctx.Err() != nil:
		// Stopped by a signal while a group was failing (say, waiting for
		// a broker): a normal stop, with what it was doing said.
		log.Printf("streamsgd run: stopped; a group was failing: %v", err)
		return nil
	default:
		return err
	}
}
