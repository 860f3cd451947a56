package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
)

// TailCmd prints a topic's records as JSON lines.
type TailCmd struct {
	Brokers
	Topic    string `arg:"" help:"Topic, e.g. susy.predictions or susy.metrics."`
	Encoding string `default:"json" enum:"json,avro" help:"Encoding of the topic's values."`
	Follow   bool   `short:"f" help:"Keep waiting for new records."`
	Max      int    `default:"0" help:"Stop after this many lines (0: no limit)."`
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
	sec, err := c.Kgo()
	if err != nil {
		return err
	}
	cl, err := kafkaclient.New(c.List(), append([]kgo.Opt{kgo.ConsumeTopics(c.Topic), kgo.ConsumeResetOffset(start)}, sec...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := c.checkTopic(ctx, cl); err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	return c.loop(ctx, cl, dec, w)
}

func (c *TailCmd) loop(ctx context.Context, cl *kgo.Client, dec *recoder, w *bufio.Writer) error {
	n := 0
	for {
		fs, idle := c.poll(ctx, cl)
		if fs.IsClientClosed() || ctx.Err() != nil || idle {
			return nil
		}
		if err := fs.Err0(); err != nil {
			return fmt.Errorf("tail %s: %w", c.Topic, err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			left := -1
			if c.Max > 0 {
				left = c.Max - n
			}
			printed, err := dec.print(w, it.Next(), left)
			if err != nil {
				return err
			}
			if n += printed; c.Max > 0 && n >= c.Max {
				return nil
			}
		}
		w.Flush()
	}
}

// tailConnectTimeout bounds how long tail waits for the brokers to answer
// whether the topic exists.
const tailConnectTimeout = 15 * time.Second

// checkTopic fails when the brokers cannot be reached or the topic does not
// exist, instead of waiting for records that cannot come.
func (c *TailCmd) checkTopic(ctx context.Context, cl *kgo.Client) error {
	ctx, cancel := context.WithTimeout(ctx, tailConnectTimeout)
	defer cancel()
	td, err := kadm.NewClient(cl).ListTopics(ctx, c.Topic)
	if err != nil {
		return fmt.Errorf("cannot reach the brokers %s within %v: %w", c.Brokers.Brokers, tailConnectTimeout, err)
	}
	if d, ok := td[c.Topic]; !ok || d.Err != nil {
		return fmt.Errorf("topic %q does not exist on %s", c.Topic, c.Brokers.Brokers)
	}
	return nil
}

// poll waits for records; without --follow it gives up after idleTimeout
// and reports idle.
func (c *TailCmd) poll(ctx context.Context, cl *kgo.Client) (kgo.Fetches, bool) {
	if c.Follow {
		return cl.PollFetches(ctx), false
	}
	pctx, cancel := context.WithTimeout(ctx, idleTimeout)
	defer cancel()
	fs := cl.PollFetches(pctx)
	return fs, pctx.Err() != nil && fs.NumRecords() == 0
}

// recoder prints records as JSON lines: JSON topics as they are, Avro
// topics decoded and encoded again with the JSON codec of their kind.
type recoder struct {
	avro, json goka.Codec
}

func (c *TailCmd) decoder() (*recoder, error) {
	if c.Encoding == "json" {
		return &recoder{}, nil
	}
	var mk func(string) (goka.Codec, error)
	switch {
	case strings.HasSuffix(c.Topic, ".predictions"):
		mk = wire.PredictionCodec
	case strings.HasSuffix(c.Topic, ".metrics"):
		mk = wire.MetricSnapshotCodec
	case strings.HasSuffix(c.Topic, ".deadletter"):
		mk = wire.DeadLetterCodec
	case strings.HasSuffix(c.Topic, ".events"):
		mk = wire.EventCodec
	default:
		return nil, fmt.Errorf("cannot tell the Avro schema of %q: expected a .predictions, .metrics, .deadletter or .events topic", c.Topic)
	}
	a, err := mk("avro")
	if err != nil {
		return nil, err
	}
	j, err := mk("json")
	return &recoder{avro: a, json: j}, err
}

// print writes the JSON lines of one record (a prediction message holds
// one line per row), at most max of them unless max < 0, and returns how
// many it wrote.
func (d *recoder) print(w *bufio.Writer, r *kgo.Record, max int) (int, error) {
	out := r.Value
	if d.avro == nil && binary(out) {
		return 0, fmt.Errorf("record %s/%d@%d is binary, not JSON or text: an Avro topic? (--encoding avro)", r.Topic, r.Partition, r.Offset)
	}
	if d.avro != nil {
		v, err := d.avro.Decode(r.Value)
		if err != nil {
			return 0, fmt.Errorf("decode %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		if out, err = d.json.Encode(v); err != nil {
			return 0, err
		}
	}
	n := 0
	for line := range bytes.Lines(out) {
		if max >= 0 && n >= max {
			break
		}
		w.Write(bytes.TrimSuffix(line, []byte{'\n'}))
		w.WriteByte('\n')
		n++
	}
	return n, nil
}

// binary reports whether b is no text: not UTF-8, or with a control
// character other than tab, line feed and carriage return (Avro's
// zigzag lengths and doubles have them; JSON and CSV do not).
func binary(b []byte) bool {
	if !utf8.Valid(b) {
		return true
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return false
}
