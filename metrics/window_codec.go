package metrics

import (
	"encoding"
	"encoding/binary"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// The encoding of a Window, all integers uvarints, floats 8 bytes
// little-endian IEEE 754:
//
//	version (1 byte) | task | size | buckets | bins (binary only)
//	then per bucket, oldest first: n, and if n > 0:
//	  binary:     correct | logloss | histogram (2*bins counts, run-length)
//	  multiclass: correct | logloss
//	  regression: sum |err| | sum err² | label mean | label M2
//
// The histogram writes a non-zero count as itself and a run of r zero
// counts as 0 then r-1, so an empty or sparse histogram costs little. The
// buckets are written oldest first, so the bytes depend only on the rows
// covered, not on where the ring happens to start.
const windowVersion = 1

var (
	_ encoding.BinaryAppender    = (*Window)(nil)
	_ encoding.BinaryMarshaler   = (*Window)(nil)
	_ encoding.BinaryUnmarshaler = (*Window)(nil)
)

// AppendBinary appends the window's deterministic encoding to b. It does
// not allocate when b has room; the error is always nil.
func (w *Window) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, windowVersion)
	b = binary.AppendUvarint(b, uint64(w.task))
	b = binary.AppendUvarint(b, uint64(w.cfg.Size))
	b = binary.AppendUvarint(b, uint64(w.cfg.Buckets))
	if w.task == taskBinary {
		b = binary.AppendUvarint(b, uint64(w.cfg.Bins))
	}
	for j := range w.buckets {
		b = w.appendBucket(b, w.order(j))
	}
	return b, nil
}

// MarshalBinary returns AppendBinary(nil).
func (w *Window) MarshalBinary() ([]byte, error) { return w.AppendBinary(nil) }

func (w *Window) appendBucket(b []byte, i int) []byte {
	k := &w.buckets[i]
	b = binary.AppendUvarint(b, uint64(k.n))
	if k.n == 0 {
		return b
	}
	switch w.task {
	case taskBinary:
		b = binary.AppendUvarint(b, uint64(k.correct))
		b = binio.AppendFloat64(b, k.logLoss)
		return appendCounts(b, w.bucketHist(i))
	case taskMulticlass:
		b = binary.AppendUvarint(b, uint64(k.correct))
		return binio.AppendFloat64(b, k.logLoss)
	default:
		for _, f := range [...]float64{k.absErr, k.sqErr, k.mean, k.m2} {
			b = binio.AppendFloat64(b, f)
		}
		return b
	}
}

func appendCounts(b []byte, cells []uint32) []byte {
	for i := 0; i < len(cells); {
		if cells[i] != 0 {
			b = binary.AppendUvarint(b, uint64(cells[i]))
			i++
			continue
		}
		run := 1
		for i+run < len(cells) && cells[i+run] == 0 {
			run++
		}
		b = binary.AppendUvarint(append(b, 0), uint64(run-1))
		i += run
	}
	return b
}

// UnmarshalBinary replaces the window's state with an encoded one. w must
// come from NewWindow with the config the state was written with, else the
// error wraps ErrConfigMismatch; malformed or impossible data gives an
// error wrapping ErrCorrupt. On error w is unchanged. It never panics.
func (w *Window) UnmarshalBinary(data []byte) error {
	r := binio.NewReader(data)
	if err := w.checkHeader(&r); err != nil {
		return err
	}
	buckets, hist := w.scratch()
	k := 2 * w.cfg.Bins
	for j := range buckets {
		var cells []uint32
		if hist != nil {
			cells = hist[j*k : (j+1)*k]
		}
		if err := w.readBucket(&r, &buckets[j], cells); err != nil {
			return fmt.Errorf("%w: bucket %d: %w", ErrCorrupt, j, err)
		}
	}
	if r.Len() != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, r.Len())
	}
	if err := w.checkRing(buckets); err != nil {
		return err
	}
	w.spare.buckets, w.spare.hist = w.buckets, w.hist
	w.buckets, w.hist, w.cur = buckets, hist, len(buckets)-1
	return nil
}

// scratch returns zeroed buffers to decode into, swapped with the live ones
// on success so that repeated decoding does not allocate.
func (w *Window) scratch() ([]bucket, []uint32) {
	if w.spare.buckets == nil {
		w.spare.buckets = make([]bucket, len(w.buckets))
		if w.hist != nil {
			w.spare.hist = make([]uint32, len(w.hist))
		}
	}
	clear(w.spare.buckets)
	clear(w.spare.hist)
	return w.spare.buckets, w.spare.hist
}

func (w *Window) checkHeader(r *binio.Reader) error {
	v := r.Byte()
	task, size, nb := r.Uvarint(), r.Uvarint(), r.Uvarint()
	bins := uint64(w.cfg.Bins)
	if task == taskBinary {
		bins = r.Uvarint()
	}
	if r.Err() != nil {
		return fmt.Errorf("%w: header: %w", ErrCorrupt, r.Err())
	}
	if v != windowVersion {
		return fmt.Errorf("%w: unknown version %d", ErrCorrupt, v)
	}
	if task != uint64(w.task) || size != uint64(w.cfg.Size) || nb != uint64(w.cfg.Buckets) || bins != uint64(w.cfg.Bins) {
		return fmt.Errorf("%w: task %d size %d buckets %d bins %d", ErrConfigMismatch, task, size, nb, bins)
	}
	return nil
}

func (w *Window) readBucket(r *binio.Reader, b *bucket, cells []uint32) error {
	n := r.Uvarint()
	if r.Err() != nil {
		return r.Err()
	}
	if n > uint64(w.capacity) {
		return fmt.Errorf("%d rows exceed the bucket capacity %d", n, w.capacity)
	}
	b.n = int64(n)
	if n == 0 {
		return nil
	}
	if w.task == taskRegression {
		return readRegression(r, b)
	}
	c, ll := r.Uvarint(), r.Float64()
	switch {
	case r.Err() != nil:
		return r.Err()
	case c > n:
		return fmt.Errorf("%d correct rows exceed %d rows", c, n)
	case !finite(ll) || ll < 0:
		return fmt.Errorf("invalid log loss sum %v", ll)
	}
	b.correct, b.logLoss = int64(c), ll
	if cells == nil {
		return nil
	}
	return readCounts(r, cells, n)
}

func readRegression(r *binio.Reader, b *bucket) error {
	b.absErr, b.sqErr, b.mean, b.m2 = r.Float64(), r.Float64(), r.Float64(), r.Float64()
	switch {
	case r.Err() != nil:
		return r.Err()
	case !finite(b.absErr) || b.absErr < 0, !finite(b.sqErr) || b.sqErr < 0:
		return fmt.Errorf("invalid error sums %v, %v", b.absErr, b.sqErr)
	case !finite(b.mean) || !finite(b.m2) || b.m2 < 0:
		return fmt.Errorf("invalid label moments %v, %v", b.mean, b.m2)
	}
	return nil
}

// readCounts decodes a run-length histogram whose counts must sum to n.
func readCounts(r *binio.Reader, cells []uint32, n uint64) error {
	var total uint64
	for i := 0; i < len(cells); {
		v := r.Uvarint()
		if v == 0 {
			run := r.Uvarint()
			if r.Err() == nil && run >= uint64(len(cells)-i) {
				return fmt.Errorf("zero run of %d overflows the histogram", run+1)
			}
			i += int(run) + 1
			continue
		}
		if v > n-total {
			return fmt.Errorf("histogram counts exceed %d rows", n)
		}
		total += v
		cells[i] = uint32(v)
		i++
	}
	if r.Err() != nil {
		return r.Err()
	}
	if total != n {
		return fmt.Errorf("histogram counts %d, want %d", total, n)
	}
	return nil
}

// checkRing checks the shape a ring of buckets can have, oldest first:
// empty buckets, then full ones, then the newest, which is not empty unless
// all are.
func (w *Window) checkRing(buckets []bucket) error {
	last := len(buckets) - 1
	seen := false
	for j, b := range buckets {
		switch {
		case j < last && b.n != 0 && b.n != w.capacity:
			return fmt.Errorf("%w: bucket %d: older bucket holds %d of %d rows", ErrCorrupt, j, b.n, w.capacity)
		case seen && b.n == 0:
			return fmt.Errorf("%w: bucket %d: empty bucket after a full one", ErrCorrupt, j)
		}
		seen = seen || b.n != 0
	}
	return nil
}
