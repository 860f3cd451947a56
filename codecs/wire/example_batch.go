package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
)

// minRowSize is the smallest encoding of a Row: index, offset delta, empty
// features, null label.
const minRowSize = 4

// maxExactInt is the magnitude up to which every integer is exactly a
// float64: the features a long carries and gives back bit for bit.
const maxExactInt = 1 << 53

// AppendExampleBatch appends the Avro binary encoding of eb (schema
// schemas.Example) to b.
func AppendExampleBatch(b []byte, eb *ExampleBatch) []byte {
	return appendExampleBatch(b, eb, packing(eb))
}

// packed tells which rows of a batch have their features written as
// integers (integer_features) rather than as doubles.
type packed struct {
	rows  []bool // nil: none
	n     int    // how many rows are packed
	width int    // their features each (every row of the batch has as many)
	bytes int    // the encoded size of their features
}

// packing returns which rows of eb are written as integers: those whose
// every feature is an integer a long holds exactly, when every row of eb
// has the same number of features, at least one.
//
// Pixel intensities, counts and codes then take 1-2 bytes a feature
// instead of 8: a row of 784 pixels 1-1.5 kB on the examples topic
// instead of 6.3 kB, bytes that the route group produces, the broker
// stores and the learn group fetches.
func packing(eb *ExampleBatch) packed {
	var p packed
	if len(eb.Rows) == 0 || len(eb.Rows[0].Features) == 0 {
		return p
	}
	w := len(eb.Rows[0].Features)
	for i := range eb.Rows {
		if len(eb.Rows[i].Features) != w {
			return p
		}
	}
	for i := range eb.Rows {
		if size, ok := integers(eb.Rows[i].Features); ok {
			if p.rows == nil {
				p.rows = make([]bool, len(eb.Rows))
			}
			p.rows[i] = true
			p.n++
			p.bytes += size
		}
	}
	if p.rows != nil {
		p.width = w
	}
	return p
}

// integers reports whether every f is an integer of magnitude at most
// 2^53 and not -0 (a long that reads back as the very same float64), and
// the encoded size of those longs.
func integers(fs []float64) (size int, ok bool) {
	for _, f := range fs {
		if !(f >= -maxExactInt && f <= maxExactInt) { // NaN too
			return 0, false
		}
		i := int64(f)
		if float64(i) != f || math.Float64bits(f) == 1<<63 {
			return 0, false
		}
		size += sizeLong(i)
	}
	return size, true
}

func appendExampleBatch(b []byte, eb *ExampleBatch, p packed) []byte {
	b = appendString(b, eb.Source.Topic)
	b = appendInt(b, eb.Source.Partition)
	b = appendLong(b, eb.Source.Offset)
	b = appendString(b, eb.Model)
	b = appendString(b, eb.Key)
	b = appendArrayStart(b, len(eb.Rows))
	for i := range eb.Rows {
		b = appendRow(b, &eb.Rows[i], eb.Source.Offset, p.rows != nil && p.rows[i])
	}
	b = appendArrayEnd(b, len(eb.Rows))
	b = appendInt(b, eb.Invalid)
	b = appendBoolean(b, eb.Partial)
	b = appendDoubles(b, eb.Scores)
	b = appendInt(b, int32(p.width))
	b = appendArrayStart(b, p.n*p.width)
	for i, ok := range p.rows {
		if ok {
			b = appendIntegers(b, eb.Rows[i].Features)
		}
	}
	return appendArrayEnd(b, p.n*p.width)
}

func appendRow(b []byte, r *Row, base int64, packed bool) []byte {
	b = appendInt(b, r.Index)
	b = appendLong(b, r.Offset-base)
	if packed {
		b = append(b, 0) // an empty array: the features are in integer_features
	} else {
		b = appendDoubles(b, r.Features)
	}
	return appendNullableDouble(b, r.Label, r.HasLabel)
}

// appendIntegers appends integer features (see integers) as longs, the
// one- and two-byte ones (|v| < 8192: pixels, small counts) without a
// call.
//
// It writes into b's capacity by index, two bytes for every such long (the
// second one is overwritten by the next long when the first is the whole
// long), so that which of the two it is takes no branch: a mix of the
// two, as pixels are, defeats prediction.
func appendIntegers(b []byte, fs []float64) []byte {
	j, buf := len(b), b[:cap(b)]
	for _, f := range fs {
		v := int64(f)
		u := uint64(v<<1) ^ uint64(v>>63)
		if u < 1<<14 && j+1 < len(buf) {
			two := u >> 7 // 0 for a one-byte long
			if two != 0 {
				two = 1
			}
			buf[j] = byte(u) | byte(two<<7)
			buf[j+1] = byte(u >> 7)
			j += 1 + int(two)
			continue
		}
		b = binary.AppendUvarint(buf[:j], u)
		j, buf = len(b), b[:cap(b)]
	}
	return buf[:j]
}

// exampleBatchSize is the exact encoded size of eb with packing p.
func exampleBatchSize(eb *ExampleBatch, p packed) int {
	n := sizeString(eb.Source.Topic) + sizeLong(int64(eb.Source.Partition)) + sizeLong(eb.Source.Offset) +
		sizeString(eb.Model) + sizeString(eb.Key) + sizeArray(len(eb.Rows)) + sizeLong(int64(eb.Invalid)) + 1 +
		sizeDoubles(len(eb.Scores))
	for i := range eb.Rows {
		r := &eb.Rows[i]
		n += sizeLong(int64(r.Index)) + sizeLong(r.Offset-eb.Source.Offset) + 1
		if p.rows != nil && p.rows[i] {
			n++ // the empty features
		} else {
			n += sizeDoubles(len(r.Features))
		}
		if r.HasLabel {
			n += 8
		}
	}
	return n + sizeLong(int64(p.width)) + sizeArray(p.n*p.width) + p.bytes
}

// ReadExampleBatch decodes the Avro binary of an ExampleBatch into eb. It
// reuses eb's Rows and their Features (and keeps eb's strings when they
// repeat), so a caller that holds on to a previous content must copy it
// first. On error eb holds a partial decode. It never panics.
func ReadExampleBatch(data []byte, eb *ExampleBatch) error {
	r := newReader(data)
	return readExampleBatch(&r, eb)
}

func readExampleBatch(r *reader, eb *ExampleBatch) error {
	eb.Source.Topic = r.stringReuse(eb.Source.Topic)
	eb.Source.Partition = r.int()
	eb.Source.Offset = r.long()
	eb.Model = r.stringReuse(eb.Model)
	eb.Key = r.stringReuse(eb.Key)
	eb.Rows = readRows(r, eb.Rows[:0], eb.Source.Offset)
	eb.Invalid = r.int()
	// Batches written before the field existed end here.
	eb.Partial = r.Len() > 0 && r.boolean()
	// and before this one here.
	eb.Scores = eb.Scores[:0]
	if r.Len() > 0 {
		eb.Scores = r.doubles(eb.Scores)
	}
	if len(eb.Scores) == 0 {
		eb.Scores = nil
	}
	// and before integer_width and integer_features here.
	if r.Len() > 0 {
		readIntegerFeatures(r, eb.Rows)
	}
	return r.done("example batch")
}

// readIntegerFeatures reads integer_width and integer_features into the
// rows with no features of their own, integer_width each, in row order.
func readIntegerFeatures(r *reader, rows []Row) {
	w := int(r.int())
	var empty int
	for i := range rows {
		if len(rows[i].Features) == 0 {
			empty++
		}
	}
	if w < 0 || w > 0 && empty > r.Len()/w {
		r.Fail(fmt.Errorf("integer_width %d for %d rows", w, empty))
		return
	}
	want := empty * w
	var block []float64 // one allocation for the rows without room
	row, pos, begun, got := -1, w, 0, 0
	for {
		n := r.block(1)
		if n == 0 || r.Err() != nil {
			break
		}
		if got+n > want {
			r.Fail(fmt.Errorf("more than %d integer features (%d rows of %d)", want, empty, w))
			return
		}
		got += n
		for n > 0 {
			if pos == w { // the next row without features
				for row++; len(rows[row].Features) != 0; row++ {
				}
				f := &rows[row].Features
				switch {
				case cap(*f) >= w:
				case len(r.slab) >= w:
					*f, r.slab = r.slab[:0:w], r.slab[w:]
				default:
					if len(block) < w {
						block = make([]float64, (empty-begun)*w)
					}
					*f, block = block[:0:w], block[w:]
				}
				*f = (*f)[:w]
				pos = 0
				begun++
			}
			k := min(n, w-pos)
			r.integersInto(rows[row].Features[pos : pos+k])
			if r.Err() != nil {
				return
			}
			pos += k
			n -= k
		}
	}
	if r.Err() == nil && (got != want || w > 0 && got == 0) {
		// The writer writes integer_width 0 when no row is packed.
		r.Fail(fmt.Errorf("%d integer features for %d rows of %d", got, empty, w))
	}
}

// integersInto reads len(dst) longs into dst as float64s, failing on one
// beyond ±2^53. Its own loop over the bytes: pixel values and small
// counts take one or two bytes, and the reader's call per value was most
// of their cost.
func (r *reader) integersInto(dst []float64) {
	b := r.Peek()
	i := 0
	for k := range dst {
		if i+1 < len(b) { // the one- and two-byte longs without a call
			if c := uint64(b[i]); c < 0x80 {
				dst[k] = float64(int64(c>>1) ^ -int64(c&1))
				i++
				continue
			} else if d := uint64(b[i+1]); d < 0x80 {
				u := c&0x7f | d<<7
				dst[k] = float64(int64(u>>1) ^ -int64(u&1))
				i += 2
				continue
			}
		}
		v, n := binary.Varint(b[i:])
		if n <= 0 {
			r.Next(i)
			r.long() // fails as the reader does
			return
		}
		if v > maxExactInt || v < -maxExactInt {
			r.Fail(fmt.Errorf("integer feature %d beyond 2^53", v))
			return
		}
		dst[k] = float64(v)
		i += n
	}
	r.Next(i)
}

func readRows(r *reader, rows []Row, base int64) []Row {
	for {
		n := r.block(minRowSize)
		if n == 0 {
			return rows
		}
		rows = slices.Grow(rows, n)
		for range n {
			rows = nextRow(rows)
			readRow(r, &rows[len(rows)-1], base)
			if r.Err() != nil {
				return rows
			}
		}
	}
}

// nextRow extends rows by one, reusing the element (and its Features)
// beyond len when there is capacity.
func nextRow(rows []Row) []Row {
	if len(rows) < cap(rows) {
		return rows[:len(rows)+1]
	}
	return append(rows, Row{})
}

func readRow(r *reader, row *Row, base int64) {
	row.Index = r.int()
	row.Offset = base + r.long()
	row.Features = r.doubles(row.Features[:0])
	row.Label, row.HasLabel = r.nullableDouble()
}

// ExampleBatchCodec is the goka codec of the <p>.examples topic: the Avro
// binary of schema schemas.Example, written and read by hand. Encode takes
// an ExampleBatch or a non-nil *ExampleBatch; Decode returns a new
// *ExampleBatch.
type ExampleBatchCodec struct{}

// Encode encodes an ExampleBatch into a new slice of exactly its size.
func (ExampleBatchCodec) Encode(value interface{}) ([]byte, error) {
	var eb *ExampleBatch
	switch v := value.(type) {
	case *ExampleBatch:
		eb = v
	case ExampleBatch:
		eb = &v
	}
	if eb == nil {
		return nil, fmt.Errorf("wire: example batch codec: cannot encode %T", value)
	}
	p := packing(eb)
	return appendExampleBatch(make([]byte, 0, exampleBatchSize(eb, p)), eb, p), nil
}

// Decode decodes data into a new *ExampleBatch whose rows share one
// backing array of features.
func (ExampleBatchCodec) Decode(data []byte) (interface{}, error) {
	eb := new(ExampleBatch)
	r := newReader(data)
	r.slab = make([]float64, len(data)/8)
	if err := readExampleBatch(&r, eb); err != nil {
		return nil, err
	}
	return eb, nil
}

// ExampleBatchPool is the goka codec of the <p>.examples topic for a reader
// that hands each batch back once done with it (Release): Decode reads into
// a released batch, reusing its rows and their features, where
// ExampleBatchCodec's makes a new one. A batch of 256 rows of 784 features
// holds 1.6 MB of features, which would otherwise be allocated, zeroed and
// collected per message on the learn group's goroutine (a tenth of its time
// on wide rows). Encode is ExampleBatchCodec's.
type ExampleBatchPool struct {
	ExampleBatchCodec
	pool sync.Pool
}

// Decode decodes data into a released *ExampleBatch, or a new one when none
// is free.
func (p *ExampleBatchPool) Decode(data []byte) (interface{}, error) {
	eb, ok := p.pool.Get().(*ExampleBatch)
	if !ok {
		return p.ExampleBatchCodec.Decode(data)
	}
	if err := ReadExampleBatch(data, eb); err != nil {
		return nil, err
	}
	return eb, nil
}

// Release hands eb back for a later Decode to reuse: nothing may read eb,
// its rows or their features afterwards.
func (p *ExampleBatchPool) Release(eb *ExampleBatch) { p.pool.Put(eb) }
