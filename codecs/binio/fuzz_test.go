package binio_test

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// FuzzReader states the reader's invariants on arbitrary input and an
// arbitrary sequence of reads: it never panics; it never moves backwards
// nor past the end; a count it accepts fits in the bytes left; after an
// error it is empty and the error never changes.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, []byte{2, 3})
	f.Add([]byte{3, 'a', 'b', 'c', 1, 0}, []byte{6, 6, 8, 1})
	f.Fuzz(func(t *testing.T, data, ops []byte) {
		r := binio.NewReader(data)
		var first error
		for _, op := range ops {
			before := r.Len()
			switch op % 10 {
			case 0:
				r.Byte()
			case 1:
				r.Bool()
			case 2:
				r.Uvarint()
			case 3:
				r.Varint()
			case 4:
				r.Uint64()
			case 5:
				r.Float64()
			case 6:
				if p := r.Bytes(); len(p) > before {
					t.Fatalf("read %d bytes of %d", len(p), before)
				}
			case 7:
				r.Str()
			case 8:
				min := int(op/10) + 1
				if n := r.Count(min); n*min > r.Len() {
					t.Fatalf("count %d of %d-byte items in %d bytes", n, min, r.Len())
				}
			case 9:
				r.Next(int(op / 10))
			}
			if r.Len() > before {
				t.Fatalf("reader moved back: %d bytes left, was %d", r.Len(), before)
			}
			if first != nil && r.Err() != first {
				t.Fatalf("error changed from %v to %v", first, r.Err())
			}
			if first = r.Err(); first != nil && r.Len() != 0 {
				t.Fatalf("%d bytes left after %v", r.Len(), first)
			}
		}
	})
}
