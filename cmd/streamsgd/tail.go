package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TailCmd prints a topic's records as JSON lines.
type TailCmd struct {
	Brokers
	Topic    string `arg:"" help:"Topic, e.g. susy.predictions or susy.metrics."`
	Encoding string `default:"json" enum:"json,avro" help:"Encoding of the topic's values."`
	Follow   bool   `short:"f" help:"Keep waiting for new records."`
	Max      int    `default:"0" help:"Stop after this many records (0: no limit)."`
	Latest   bool   `help:"Start at the end of the topic instead of the beginning."`
}

// Run implements the command.
func (c *TailCmd) Run(ctx context.Context) error {
	dec, err := c.decoder()
	if err != nil {
		return err
	}
	start := kgo.NewOffset().AtStart()
	if c.Latest {
		start = kgo.NewOffset().AtEnd()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.List()...), kgo.ConsumeTopics(c.Topic), kgo.ConsumeResetOffset(start))
	if err != nil {
		return err
	}
	defer cl.Close()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	return c.loop(ctx, cl, dec, w)
}

func (c *TailCmd) loop(ctx context.Context, cl *kgo.Client, dec goka.Codec, w *bufio.Writer) error {
	n := 0
	for {
		pctx := ctx
		if !c.Follow {
			var cancel context.CancelFunc
			pctx, cancel = context.WithTimeout(ctx, idleTimeout)
			defer cancel()
		}
		fs := cl.PollFetches(pctx)
		if fs.IsClientClosed() || ctx.Err() != nil {
			return nil
		}
		if fs.Empty() && !c.Follow {
			return nil
		}
		if err := fs.Err0(); err != nil && pctx.Err() == nil {
			return fmt.Errorf("tail %s: %w", c.Topic, err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			if err := printRecord(w, dec, it.Next()); err != nil {
				return err
			}
			if n++; c.Max > 0 && n >= c.Max {
				return nil
			}
		}
		w.Flush()
	}
}

// decoder returns nil for JSON topics (printed as they are) and the Avro
// codec of the topic's kind otherwise.
func (c *TailCmd) decoder() (goka.Codec, error) {
	if c.Encoding == "json" {
		return nil, nil
	}
	switch {
	case strings.HasSuffix(c.Topic, ".predictions"):
		return wire.PredictionCodec("avro")
	case strings.HasSuffix(c.Topic, ".metrics"):
		return wire.MetricSnapshotCodec("avro")
	case strings.HasSuffix(c.Topic, ".deadletter"):
		return wire.DeadLetterCodec("avro")
	}
	return nil, fmt.Errorf("cannot tell the Avro schema of %q: expected a .predictions, .metrics or .deadletter topic", c.Topic)
}

func printRecord(w *bufio.Writer, dec goka.Codec, r *kgo.Record) error {
	if dec == nil {
		w.Write(r.Value)
		return w.WriteByte('\n')
	}
	v, err := dec.Decode(r.Value)
	if err != nil {
		return fmt.Errorf("decode %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Write(out)
	return w.WriteByte('\n')
}
