package produce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Where the label of a row goes.
const (
	LabelInKey   = "key"   // the record key, as in the SUSY-on-Kafka tutorial
	LabelInValue = "value" // the first column of the line
	LabelNone    = "none"  // dropped
)

// Options of a produce run.
type Options struct {
	// Topic to write to. Required.
	Topic string
	// LabelIn is "key" (default), "value" or "none".
	LabelIn string
	// RowsPerMessage: rows per Kafka message, newline-separated. Default 1.
	// More than one needs the label in the value (or none).
	RowsPerMessage int
	// OnProgress, if set, is called with the rows acknowledged so far.
	OnProgress func(rows int64)
}

// Stats of a finished run.
type Stats struct {
	Rows, Messages int64
}

func (o *Options) validate() error {
	if o.LabelIn == "" {
		o.LabelIn = LabelInKey
	}
	if o.RowsPerMessage == 0 {
		o.RowsPerMessage = 1
	}
	switch {
	case o.Topic == "":
		return errors.New("produce: no topic")
	case o.LabelIn != LabelInKey && o.LabelIn != LabelInValue && o.LabelIn != LabelNone:
		return fmt.Errorf("produce: label-in must be key, value or none, got %q", o.LabelIn)
	case o.RowsPerMessage < 1:
		return fmt.Errorf("produce: rows-per-message must be >= 1, got %d", o.RowsPerMessage)
	case o.RowsPerMessage > 1 && o.LabelIn == LabelInKey:
		return errors.New("produce: several rows per message need --label-in value (a message has one key)")
	}
	return nil
}

// Run writes every row of src to the topic and waits until all are
// acknowledged.
func Run(ctx context.Context, cl *kgo.Client, src Source, o Options) (Stats, error) {
	if err := o.validate(); err != nil {
		return Stats{}, err
	}
	var (
		st      Stats
		acked   atomic.Int64
		errOnce sync.Once
		first   error
	)
	done := func(rows int64) func(*kgo.Record, error) {
		return func(_ *kgo.Record, err error) {
			if err != nil {
				errOnce.Do(func() { first = err })
				return
			}
			n := acked.Add(rows)
			if o.OnProgress != nil {
				o.OnProgress(n)
			}
		}
	}
	var msg []byte
	var rows int64
	flush := func(key []byte) {
		if rows == 0 {
			return
		}
		cl.Produce(ctx, &kgo.Record{Topic: o.Topic, Key: key, Value: msg}, done(rows))
		st.Messages++
		msg, rows = nil, 0
	}
	for {
		row, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, err
		}
		msg = appendRow(msg, row, o.LabelIn)
		rows++
		st.Rows++
		if rows == int64(o.RowsPerMessage) {
			flush(keyOf(row, o.LabelIn))
		}
		if ctx.Err() != nil {
			break
		}
	}
	flush(nil)
	if err := cl.Flush(ctx); err != nil {
		return st, fmt.Errorf("produce: flush %s: %w", o.Topic, err)
	}
	if first != nil {
		return st, fmt.Errorf("produce: %s: %w", o.Topic, first)
	}
	return st, ctx.Err()
}

func appendRow(msg []byte, row Row, labelIn string) []byte {
	if len(msg) > 0 {
		msg = append(msg, '\n')
	}
	if labelIn == LabelInValue && row.Label != nil {
		msg = append(msg, row.Label...)
		msg = append(msg, ',')
	}
	return append(msg, row.Line...)
}

func keyOf(row Row, labelIn string) []byte {
	if labelIn == LabelInKey && row.Label != nil {
		return append([]byte(nil), row.Label...)
	}
	return nil
}
