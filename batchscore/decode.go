package batchscore

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/model"
)

// Decoded is the decoded rows of a run of consecutive lines of a file.
type Decoded struct {
	// Rows in file order; their feature slices stay valid after the
	// callback returns (each Decoded has its own).
	Rows []input.Row
	// Lines are the file line numbers of Rows.
	Lines []int64
	// Rejects are the lines of the run that did not decode, in file order
	// among themselves.
	Rejects []Reject
}

// DecodeFile reads and decodes the CSV file r as ScoreFile does (chunks
// decoded by o.Workers goroutines) and calls fn with each chunk's rows in
// file order, from one goroutine: a consumer that must see the rows in
// order, such as a learner, while decoding runs ahead on the other cores.
// Stats.Scored counts the rows passed to fn, Stats.Rejected the lines that
// did not decode (also passed to o.OnReject). An error of fn stops the run.
func DecodeFile(ctx context.Context, r io.Reader, o Options, fn func(*Decoded) error) (Stats, error) {
	o.EnsureDefaults()
	start := time.Now()
	p, err := newPass(r, o, true)
	if err != nil {
		return Stats{}, err
	}
	g, ctx := errgroup.WithContext(ctx)
	chunks := make(chan *chunk)
	decoded := make(chan *decodedChunk, o.Workers)
	tokens := make(chan struct{}, 2*o.Workers+2) // chunks in flight
	g.Go(func() error { defer close(chunks); return p.read(ctx, chunks, tokens) })
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		g.Go(func() error { defer wg.Done(); return p.decodeChunks(ctx, chunks, decoded) })
	}
	go func() { wg.Wait(); close(decoded) }()
	var st Stats
	g.Go(func() error { return p.deliver(ctx, decoded, tokens, &st, fn) })
	if err := g.Wait(); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

type decodedChunk struct {
	seq int
	d   Decoded
}

func (p *pass) decodeChunks(ctx context.Context, chunks <-chan *chunk, out chan<- *decodedChunk) error {
	for c := range chunks {
		d, err := p.decodeChunk(c)
		if err != nil {
			return err
		}
		select {
		case out <- d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// decodeChunk decodes one chunk into rows of their own memory.
func (p *pass) decodeChunk(c *chunk) (*decodedChunk, error) {
	res := &decodedChunk{seq: c.seq}
	if c.reject != nil {
		res.d.Rejects = []Reject{*c.reject}
		return res, nil
	}
	defer p.rd.pool.Put(c.buf)
	msg := (*c.buf)[:c.head+len(c.data)]
	rows, bad, err := p.dec.Decode(nil, msg, nil)
	if err != nil {
		return nil, fmt.Errorf("batchscore: lines %d...: %w", c.first, err)
	}
	ln := newLines(c.data, c.first, c.lines, len(rows)+len(bad))
	for _, b := range bad {
		res.d.Rejects = append(res.d.Rejects, Reject{Line: ln.line(b.Index), Reason: cutRowPrefix(b.Reason, b.Index), Raw: b.Raw})
	}
	res.d.Rows = rows
	res.d.Lines = make([]int64, len(rows))
	for i := range rows {
		res.d.Lines[i] = ln.line(rows[i].Index)
	}
	return res, nil
}

// deliver calls fn with the decoded chunks in file order.
func (p *pass) deliver(ctx context.Context, in <-chan *decodedChunk, tokens <-chan struct{}, st *Stats, fn func(*Decoded) error) error {
	pending := map[int]*decodedChunk{}
	next := 0
	for c := range in {
		pending[c.seq] = c
		for d := pending[next]; d != nil; d = pending[next] {
			delete(pending, next)
			next++
			for _, rj := range d.d.Rejects {
				p.o.OnReject(rj)
			}
			if err := fn(&d.d); err != nil {
				return err
			}
			st.Scored += int64(len(d.d.Rows))
			st.Rejected += int64(len(d.d.Rejects))
			st.Rows = st.Scored + st.Rejected
			<-tokens
		}
		p.o.Progress(st.Rows)
	}
	if len(pending) > 0 && ctx.Err() == nil {
		return fmt.Errorf("batchscore: a chunk was lost") // unreachable
	}
	return ctx.Err()
}

// RowWriter formats the output rows of ScoreFile (see Header) for another
// producer of predictions, such as `streamsgd learn`.
type RowWriter struct{ w rowWriter }

// NewRowWriter returns a writer of the rows of a model of task; labeled
// says the rows have a label column.
func NewRowWriter(task model.Task, labeled bool) *RowWriter {
	return &RowWriter{w: rowWriter{task: task, labeled: labeled}}
}

// Append appends one row: its line number, model key, outputs and label
// (NaN: none, an empty field).
func (w *RowWriter) Append(b []byte, line int64, key string, out []float64, label float64) []byte {
	return w.w.appendRow(b, line, key, out, label)
}
