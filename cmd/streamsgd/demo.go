package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/examples"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/produce"
	"github.com/streamsgd/streamsgd/topology"
)

// demoBrokerMB is what the demo's broker and producer hold beside the
// pipeline (operations.MemoryLimit), in MiB: the demo's memory limit is
// the sum (GOMEMLIMIT wins when set).
const demoBrokerMB = 256

// DemoCmd runs the SUSY walkthrough end to end on an embedded broker.
type DemoCmd struct {
	Rows            int64         `default:"1000000" help:"Rows of the SUSY-shaped stream."`
	TestRows        int64         `default:"100000" help:"Rows of the held-out test set, streamed once the models learned the stream: scored by the deployment test, never learned from (0: none)."`
	RowsPerMessage  int           `default:"1" help:"Rows per input message."`
	Seed            uint64        `default:"1" help:"Seed of the generator."`
	Port            int           `default:"0" help:"Broker port (0: a free port)."`
	InputPartitions int32         `default:"1" help:"Partitions of the input topic (label-keyed rows of one class share a partition)."`
	Every           time.Duration `default:"1s" help:"Refresh interval of the metrics table."`
	Timeout         time.Duration `default:"10m" help:"Give up after this long."`
}

// Run implements the command.
func (c *DemoCmd) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "streamsgd-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The broker keeps its records in files (the OS page cache), not in
	// this process's heap: in memory it held them all, about 4 GB by the
	// end of the stream.
	b, err := broker.Start(broker.Options{Port: c.Port, DataDir: filepath.Join(dir, "broker")})
	if err != nil {
		return err
	}
	defer b.Close()
	brokers := Brokers{Brokers: b.Addrs()[0]}
	cfg, err := c.config()
	if err != nil {
		return err
	}
	p, err := topology.Build(cfg)
	if err != nil {
		return err
	}
	limit := operations.SetMemoryLimit(int(operations.MemoryLimit(p)>>20)+demoBrokerMB, p)
	fmt.Fprintf(os.Stderr, "embedded broker on %s, %s\n\n%s\n", brokers.Brokers, limit, p.Text())
	return c.run(ctx, brokers, p, dir)
}

func (c *DemoCmd) config() (*config.Pipeline, error) {
	cfg, err := config.Parse(examples.SUSY, "examples/susy.yaml")
	if err != nil {
		return nil, err
	}
	if c.RowsPerMessage > 1 {
		// A message has one key: batched rows carry their label in the
		// first column instead.
		cfg.Input.Label = config.Label{From: "column", Column: "label"}
		cfg.Input.Columns = append([]string{"label"}, cfg.Input.Columns...)
	}
	return cfg, cfg.Validate()
}

func (c *DemoCmd) run(ctx context.Context, brokers Brokers, p *topology.Pipeline, dir string) error {
	// The embedded broker is plaintext, but a config's security section
	// would apply to every client alike.
	sec, err := brokers.Security(p.Config.Security)
	if err != nil {
		return err
	}
	opts, err := sec.Kgo()
	if err != nil {
		return err
	}
	adm, acl, err := brokers.AdminWith(sec)
	if err != nil {
		return err
	}
	defer acl.Close()
	// One input partition, as in the tutorial: with the label as the key,
	// a keyed topic puts every row of a class in one partition, and the
	// learner would see class-sorted runs instead of the stream's order.
	for _, in := range slices.Concat(p.Topics.Inputs, p.Topics.ServeInputs) {
		if err := operations.CreateTopic(ctx, adm, string(in), c.InputPartitions, 1); err != nil {
			return err
		}
	}
	if err := operations.EnsureTopics(ctx, adm, p); err != nil {
		return err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() {
		runErr <- operations.Run(runCtx, p, operations.RunOptions{Brokers: brokers.List(), StateDir: filepath.Join(dir, "state"), Security: sec})
	}()
	// The demo streams into the first input topic (the train topic).
	prodErr := make(chan error, 1)
	go func() { prodErr <- c.produce(ctx, brokers, opts, p.Config.Input.Topics[0]) }()
	board := newBoard(p, c.Rows, c.RowsPerMessage)
	// The run goes on for the held-out set (the score group), and stops
	// when the demo returns.
	if err := board.watch(ctx, brokers, opts, c.Every, prodErr, runErr); err != nil {
		return err
	}
	board.summary(os.Stdout)
	return c.heldOut(ctx, brokers, opts, p)
}

// heldOut streams the test set into the first deployment's topic once the
// models learned the stream, and prints the deployment's evaluation: the
// accuracy of the served model on rows it never learned from.
func (c *DemoCmd) heldOut(ctx context.Context, brokers Brokers, opts []kgo.Opt, p *topology.Pipeline) error {
	if c.TestRows <= 0 || len(p.Deployments) == 0 {
		return nil
	}
	d := p.Deployments[0]
	fmt.Fprintf(os.Stdout, "\nheld out: %d rows (seed %d) into %s, scored by deployment %s with %s (%s), never learned from\n",
		c.TestRows, c.Seed+1, d.Topics[0], d.Name, d.Model, d.State)
	test := *c
	test.Rows, test.Seed = c.TestRows, c.Seed+1
	if err := test.produce(ctx, brokers, opts, d.Topics[0]); err != nil {
		return err
	}
	ev, err := operations.Evaluate(ctx, p, operations.EvaluateOptions{Brokers: brokers.List(), Kgo: opts, Deployment: d.Name, Wait: 5 * time.Minute})
	if err != nil {
		return err
	}
	writeEvaluation(os.Stdout, ev)
	return nil
}

func (c *DemoCmd) produce(ctx context.Context, brokers Brokers, opts []kgo.Opt, topic string) error {
	cl, err := kafkaclient.NewClient(brokers.List(), opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	labelIn := produce.LabelInKey
	if c.RowsPerMessage > 1 {
		labelIn = produce.LabelInValue
	}
	_, err = produce.Run(ctx, cl, produce.NewSynthetic(c.Seed, c.Rows), produce.Options{
		Topic: topic, LabelIn: labelIn, RowsPerMessage: c.RowsPerMessage,
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
