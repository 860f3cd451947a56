package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/lovoo/goka"
	"github.com/streamsgd/streamsgd/operations"
)

// RunCmd runs a pipeline's processors until SIGINT/SIGTERM.
type RunCmd struct {
	Brokers
	Config     string   `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	StateDir   string   `default:"streamsgd-state" help:"Local pebble stores of the tables."`
	Groups     []string `help:"Run only these groups (default: all), e.g. susy-learn."`
	ClientID   string   `default:"streamsgd" help:"Client id of this instance."`
	HotStandby bool     `help:"Keep replicas of the tables of other partitions for fast takeover."`
	Verbose    bool     `short:"v" help:"Log goka's messages to stderr."`
	MemoryMB   int      `name:"memory-limit-mb" default:"0" help:"Soft memory limit of this process in MiB (as GOMEMLIMIT, which wins when set). 0: the config's state.memory_mb + 128; negative: none."`
}

// Run implements the command.
func (c *RunCmd) Run(ctx context.Context) error {
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	adm, cl, err := c.AdminWith(sec)
	if err != nil {
		return err
	}
	err = sec.Explain(operations.EnsureTopics(ctx, adm, p))
	cl.Close()
	if err != nil {
		return err
	}
	o := operations.RunOptions{Brokers: c.List(), StateDir: c.StateDir, ClientID: c.ClientID, HotStandby: c.HotStandby, Security: sec}
	for _, g := range c.Groups {
		o.Groups = append(o.Groups, goka.Group(g))
	}
	if c.Verbose {
		o.Logger = log.New(os.Stderr, "", log.LstdFlags)
	}
	limit := operations.SetMemoryLimit(c.MemoryMB, p)
	fmt.Fprintf(os.Stderr, "streamsgd run: pipeline %s on %v, %s; Ctrl-C to stop\n", p.Config.Name, o.Brokers, limit)
	if err := operations.Run(ctx, p, o); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
