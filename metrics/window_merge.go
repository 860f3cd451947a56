package metrics

import (
	"errors"
	"fmt"
)

// Clone returns a deep copy of w.
func (w *Window) Clone() *Window {
	c := &Window{cfg: w.cfg, task: w.task, capacity: w.capacity, cur: w.cur}
	c.buckets = append([]bucket(nil), w.buckets...)
	if w.hist != nil {
		c.hist = append([]uint32(nil), w.hist...)
	}
	return c
}

// Combine sets w to the most recent rows of several windows of w's config,
// for instance the windows of the shards of one data-parallel model: their
// full buckets, newest first and taken in turns (the newest of every window,
// then the second newest of every window, ...), until w's buckets are
// full. Only when the windows have fewer full buckets than w has, the
// fullest of their partly filled newest buckets is added as w's newest.
// The result covers about Size recent rows spread over the windows, its
// buckets keep their statistics whole, and it is a valid window of w's
// config (its encoding decodes). It depends only on the windows' contents
// and order. w may be one of ws.
func (w *Window) Combine(ws []*Window) error {
	if len(ws) == 0 {
		return errors.New("metrics: combine needs at least one window")
	}
	for i, o := range ws {
		if o == nil {
			return fmt.Errorf("metrics: combine: window %d is nil", i)
		}
		if o.cfg != w.cfg {
			return fmt.Errorf("%w: combine: window %d has %+v, want %+v", ErrConfigMismatch, i, o.cfg, w.cfg)
		}
	}
	nb := len(w.buckets)
	type pick struct {
		src *Window
		i   int
	}
	var full []pick // newest first
	for depth := 0; depth < nb && len(full) < nb; depth++ {
		for _, o := range ws {
			if i := o.order(nb - 1 - depth); o.buckets[i].n == o.capacity {
				full = append(full, pick{o, i})
				if len(full) == nb {
					break
				}
			}
		}
	}
	var partial *pick
	if len(full) < nb {
		for _, o := range ws {
			i := o.cur
			if n := o.buckets[i].n; n > 0 && n < o.capacity && (partial == nil || n > partial.src.buckets[partial.i].n) {
				partial = &pick{o, i}
			}
		}
	}
	buckets := make([]bucket, nb)
	var hist []uint32
	if w.hist != nil {
		hist = make([]uint32, len(w.hist))
	}
	k := 2 * w.cfg.Bins
	put := func(dst int, p pick) {
		buckets[dst] = p.src.buckets[p.i]
		if hist != nil {
			copy(hist[dst*k:(dst+1)*k], p.src.bucketHist(p.i))
		}
	}
	// Ring positions from the oldest (0) to the newest (nb-1).
	pos := nb - 1
	if partial != nil {
		put(pos, *partial)
		pos--
	}
	for _, p := range full {
		put(pos, p)
		pos--
	}
	w.buckets, w.hist, w.cur = buckets, hist, nb-1
	w.spare.buckets, w.spare.hist = nil, nil
	return nil
}
