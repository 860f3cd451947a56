package wire

import (
	"fmt"
	"slices"
)

// minRowSize is the smallest encoding of a Row: index, offset delta, empty
// features, null label.
const minRowSize = 4

// AppendExampleBatch appends the Avro binary encoding of eb (schema
// schemas.Example) to b.
func AppendExampleBatch(b []byte, eb *ExampleBatch) []byte {
	b = appendString(b, eb.Source.Topic)
	b = appendInt(b, eb.Source.Partition)
	b = appendLong(b, eb.Source.Offset)
	b = appendString(b, eb.Model)
	b = appendString(b, eb.Key)
	b = appendArrayStart(b, len(eb.Rows))
	for i := range eb.Rows {
		b = appendRow(b, &eb.Rows[i], eb.Source.Offset)
	}
	b = appendArrayEnd(b, len(eb.Rows))
	b = appendInt(b, eb.Invalid)
	b = appendBoolean(b, eb.Partial)
	return appendDoubles(b, eb.Scores)
}

func appendRow(b []byte, r *Row, base int64) []byte {
	b = appendInt(b, r.Index)
	b = appendLong(b, r.Offset-base)
	b = appendDoubles(b, r.Features)
	return appendNullableDouble(b, r.Label, r.HasLabel)
}

// exampleBatchSize is the exact encoded size of eb.
func exampleBatchSize(eb *ExampleBatch) int {
	n := sizeString(eb.Source.Topic) + sizeLong(int64(eb.Source.Partition)) + sizeLong(eb.Source.Offset) +
		sizeString(eb.Model) + sizeString(eb.Key) + sizeArray(len(eb.Rows)) + sizeLong(int64(eb.Invalid)) + 1 +
		sizeDoubles(len(eb.Scores))
	for i := range eb.Rows {
		r := &eb.Rows[i]
		n += sizeLong(int64(r.Index)) + sizeLong(r.Offset-eb.Source.Offset) + sizeDoubles(len(r.Features)) + 1
		if r.HasLabel {
			n += 8
		}
	}
	return n
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
	return r.done("example batch")
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
	return AppendExampleBatch(make([]byte, 0, exampleBatchSize(eb)), eb), nil
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
