package batchscore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/model"
)

// ScoreFile scores every row of the CSV file r with o.Models and writes
// the output CSV (Header, then one line per scored row, in file order) to
// w. Rejected rows go to o.OnReject.
func ScoreFile(ctx context.Context, r io.Reader, w io.Writer, o Options) (Stats, error) {
	if o.Models == nil {
		return Stats{}, errors.New("batchscore: no models")
	}
	return run(ctx, r, w, o, false)
}

// ParseFile reads and decodes every row of the CSV file r, as ScoreFile
// does, and nothing else: the ceiling of ScoreFile. Stats.Scored counts
// the rows decoded.
func ParseFile(ctx context.Context, r io.Reader, o Options) (Stats, error) {
	return run(ctx, r, io.Discard, o, true)
}

// result is what a worker made of one chunk.
type result struct {
	seq     int
	out     *[]byte // output rows
	rejects []Reject
	scored  int64
	labeled int64
	ys, ps  []float64 // labels and outputs of the labeled rows, with Evaluate
}

func run(ctx context.Context, r io.Reader, w io.Writer, o Options, parseOnly bool) (Stats, error) {
	o.EnsureDefaults()
	start := time.Now()
	p, err := newPass(r, o, parseOnly)
	if err != nil {
		return Stats{}, err
	}
	if !parseOnly {
		if _, err := w.Write(Header(p.cfg.Task, p.nk, o.Spec.Label != input.LabelFromNone)); err != nil {
			return Stats{}, err
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	chunks := make(chan *chunk)
	results := make(chan *result, o.Workers)
	tokens := make(chan struct{}, 2*o.Workers+2) // chunks in flight
	g.Go(func() error { defer close(chunks); return p.read(ctx, chunks, tokens) })
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		g.Go(func() error { defer wg.Done(); return p.work(ctx, chunks, results) })
	}
	go func() { wg.Wait(); close(results) }()
	var st Stats
	g.Go(func() error { return p.write(ctx, w, results, tokens, &st) })
	if err := g.Wait(); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	if p.eval != nil {
		st.Metrics = p.eval.values()
	}
	return st, nil
}

// pass is one run over a file.
type pass struct {
	o         Options
	dec       input.Decoder
	rd        *reader
	cfg       model.Config
	nk        int
	labeled   bool
	parseOnly bool
	outs      sync.Pool // *[]byte output buffers
	eval      *evaluation
}

func newPass(r io.Reader, o Options, parseOnly bool) (*pass, error) {
	// Scored rows need no label; decoded ones (DecodeFile) are learned,
	// and a missing label is a bad row, as in route.
	newDec := newDecoder
	if parseOnly {
		newDec = input.NewDecoder
	}
	dec, err := newDec(o.Spec)
	if err != nil {
		return nil, err
	}
	p := &pass{o: o, dec: dec, parseOnly: parseOnly, labeled: o.Spec.Label != input.LabelFromNone}
	if !parseOnly {
		p.cfg, p.nk = o.Models.Config(), o.Models.Outputs()
		if o.Evaluate {
			p.eval = newEvaluation(p.cfg.Task)
		}
	}
	p.outs.New = func() any { b := make([]byte, 0, o.ChunkBytes/2); return &b }
	p.rd = &reader{r: r, size: o.ChunkBytes, maxLine: o.MaxLineBytes, line: 1,
		pool: &sync.Pool{New: func() any { b := make([]byte, 0, o.ChunkBytes+4096); return &b }}}
	if err := p.rd.start(); err != nil {
		return nil, err
	}
	if o.Spec.Header {
		if err := p.readHeader(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// readHeader reads the header line and checks it with the decoder, so
// that a header without a needed column stops the run before any row.
func (p *pass) readHeader() error {
	if err := p.rd.readHeader(); err != nil {
		return err
	}
	if p.rd.header == nil {
		return nil
	}
	if _, _, err := p.dec.Decode(nil, p.rd.header, nil); err != nil {
		return fmt.Errorf("batchscore: line %d: %w", p.rd.line-1, err)
	}
	return nil
}

func (p *pass) read(ctx context.Context, chunks chan<- *chunk, tokens chan<- struct{}) error {
	for {
		c, err := p.rd.next(ctx)
		if err != nil || c == nil {
			return err
		}
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case chunks <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (p *pass) work(ctx context.Context, chunks <-chan *chunk, results chan<- *result) error {
	var s *scorer
	if !p.parseOnly {
		s = newScorer(p.o.Models)
	}
	var rows []input.Row
	for c := range chunks {
		res, err := p.chunk(c, s, &rows)
		if err != nil {
			return err
		}
		select {
		case results <- res:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// chunk decodes, scores and formats one chunk.
func (p *pass) chunk(c *chunk, s *scorer, dst *[]input.Row) (*result, error) {
	res := &result{seq: c.seq}
	if c.reject != nil {
		res.rejects = []Reject{*c.reject}
		return res, nil
	}
	defer p.rd.pool.Put(c.buf)
	msg := (*c.buf)[:c.head+len(c.data)]
	rows, bad, err := p.dec.Decode(nil, msg, (*dst)[:0])
	*dst = rows
	if err != nil {
		return nil, fmt.Errorf("batchscore: lines %d...: %w", c.first, err)
	}
	ln := newLines(c.data, c.first, c.lines, len(rows)+len(bad))
	for _, b := range bad {
		res.rejects = append(res.rejects, Reject{Line: ln.line(b.Index), Reason: cutRowPrefix(b.Reason, b.Index), Raw: b.Raw})
	}
	if p.parseOnly {
		res.scored = int64(len(rows))
		return res, nil
	}
	if err := s.scoreRows(rows); err != nil {
		return nil, err
	}
	p.format(res, s, rows, &ln)
	sortRejects(res.rejects)
	return res, nil
}

// format writes the scored rows and collects the rejected ones.
func (p *pass) format(res *result, s *scorer, rows []input.Row, ln *lines) {
	out := p.outs.Get().(*[]byte)
	b := (*out)[:0]
	nk := p.nk
	rw := rowWriter{task: p.cfg.Task, labeled: p.labeled}
	for i := range rows {
		r := &rows[i]
		sv := s.served[i]
		if sv == nil {
			res.rejects = append(res.rejects, Reject{Line: ln.line(r.Index), Reason: s.why[i], Raw: append([]byte(nil), ln.raw(r.Index)...)})
			continue
		}
		o := s.outs[i*nk : (i+1)*nk]
		label := r.Label
		if !r.HasLabel {
			label = math.NaN()
		}
		b = rw.appendRow(b, ln.line(r.Index), sv.Key, o, label)
		res.scored++
		if r.HasLabel {
			res.labeled++
		}
		if p.eval != nil && r.HasLabel {
			res.ys = append(res.ys, r.Label)
			res.ps = append(res.ps, o...)
		}
	}
	*out = b
	res.out = out
}

// cutRowPrefix drops the decoder's "row N: " (N counts the rows of the
// chunk, meaningless in a file: the reject's line number replaces it).
func cutRowPrefix(reason string, i int32) string {
	r, ok := strings.CutPrefix(reason, fmt.Sprintf("row %d: ", i))
	if !ok {
		return reason
	}
	return r
}

// write writes the results in file order.
func (p *pass) write(ctx context.Context, w io.Writer, results <-chan *result, tokens <-chan struct{}, st *Stats) error {
	pending := map[int]*result{}
	next := 0
	for res := range results {
		pending[res.seq] = res
		for r := pending[next]; r != nil; r = pending[next] {
			delete(pending, next)
			next++
			if err := p.emit(w, r, st); err != nil {
				return err
			}
			<-tokens
		}
		p.o.Progress(st.Rows)
	}
	if len(pending) > 0 && ctx.Err() == nil {
		return errors.New("batchscore: a chunk was lost") // unreachable
	}
	return ctx.Err()
}

// emit writes one chunk's rows, passes on its rejects and counts them.
func (p *pass) emit(w io.Writer, r *result, st *Stats) error {
	if r.out != nil {
		_, err := w.Write(*r.out)
		p.outs.Put(r.out)
		if err != nil {
			return err
		}
	}
	for _, rj := range r.rejects {
		p.o.OnReject(rj)
	}
	st.Scored += r.scored
	st.Rejected += int64(len(r.rejects))
	st.Rows = st.Scored + st.Rejected
	st.Labeled += r.labeled
	for i, y := range r.ys {
		p.eval.update(y, r.ps[i*p.nk:(i+1)*p.nk])
	}
	return nil
}
