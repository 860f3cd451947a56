package main

import (
	"context"
	"fmt"
	"os"

	"github.com/streamsgd/streamsgd/broker"
)

// BrokerCmd runs the embedded broker until interrupted.
type BrokerCmd struct {
	Port    int    `default:"9092" help:"Port on 127.0.0.1."`
	DataDir string `help:"Persist topics, records and offsets here across restarts (empty: memory only)."`
	Sync    bool   `help:"fsync every write (power-loss safety)."`
}

// Run implements the command.
func (c *BrokerCmd) Run(ctx context.Context) error {
	b, err := broker.Start(broker.Options{Port: c.Port, DataDir: c.DataDir, SyncWrites: c.Sync})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "streamsgd broker listening on %v (data dir %q); Ctrl-C to stop\n", b.Addrs(), c.DataDir)
	<-ctx.Done()
	// Closing takes a second or two (clients' connections, and the data
	// dir's files): say so, lest a stop look like a hang.
	fmt.Fprintln(os.Stderr, "streamsgd broker stopping")
	b.Close()
	fmt.Fprintln(os.Stderr, "streamsgd broker stopped")
	return nil
}
