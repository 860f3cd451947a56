package binio_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	b = append(b, 7)
	b = binio.AppendBool(b, true)
	b = binary.AppendUvarint(b, 300)
	b = binary.AppendVarint(b, -1<<40)
	b = binary.LittleEndian.AppendUint64(b, 1<<63)
	b = binio.AppendFloat64(b, -2.5)
	b = binio.AppendBytes(b, []byte{1, 2})
	b = binio.AppendString(b, "key")
	b = binary.AppendUvarint(b, 2)
	b = append(b, 9, 9)
	r := binio.NewReader(b)
	switch {
	case r.Byte() != 7, !r.Bool(), r.Uvarint() != 300, r.Varint() != -1<<40, r.Uint64() != 1<<63, r.Float64() != -2.5:
		t.Fatalf("scalars wrong, err %v", r.Err())
	case !bytes.Equal(r.Bytes(), []byte{1, 2}), r.Str() != "key":
		t.Fatalf("strings wrong, err %v", r.Err())
	case r.Count(1) != 2, !bytes.Equal(r.Next(2), []byte{9, 9}):
		t.Fatalf("count wrong, err %v", r.Err())
	case r.Err() != nil || r.Len() != 0:
		t.Fatalf("err %v, %d bytes left", r.Err(), r.Len())
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		read func(r *binio.Reader)
		want error  // nil: see text
		text string // substring of the error
	}{
		{"empty byte", nil, func(r *binio.Reader) { r.Byte() }, binio.ErrTruncated, ""},
		{"unterminated varint", []byte{0x80, 0x80}, func(r *binio.Reader) { r.Varint() }, binio.ErrTruncated, ""},
		{"varint of 11 bytes", bytes.Repeat([]byte{0xff}, 11), func(r *binio.Reader) { r.Uvarint() }, binio.ErrOverflow, ""},
		{"tenth byte too big", append(bytes.Repeat([]byte{0xff}, 9), 0x02), func(r *binio.Reader) { r.Varint() }, binio.ErrOverflow, ""},
		{"short float", []byte{1, 2, 3}, func(r *binio.Reader) { r.Float64() }, binio.ErrTruncated, ""},
		{"boolean 2", []byte{2}, func(r *binio.Reader) { r.Bool() }, nil, "boolean byte 2"},
		{"length past end", []byte{5, 1}, func(r *binio.Reader) { r.Str() }, binio.ErrTruncated, ""},
		{"huge length", binary.AppendUvarint(nil, math.MaxUint64), func(r *binio.Reader) { r.Bytes() }, binio.ErrTruncated, ""},
		{"negative next", []byte{1}, func(r *binio.Reader) { r.Next(-1) }, binio.ErrTruncated, ""},
		{"huge count", binary.AppendUvarint(nil, 1<<40), func(r *binio.Reader) { r.Count(8) }, nil, "exceeds the 0 bytes left"},
		{"count of big items", []byte{2, 0, 0, 0}, func(r *binio.Reader) { r.Count(2) }, nil, "count 2 exceeds the 3 bytes left"},
		{"first error sticks", []byte{2, 1}, func(r *binio.Reader) { r.Bool(); r.Float64() }, nil, "boolean byte 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := binio.NewReader(tt.data)
			tt.read(&r)
			err := r.Err()
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want %v %q", err, tt.want, tt.text)
			}
			if r.Len() != 0 || r.Byte() != 0 || r.Err() != err {
				t.Fatal("a failed reader reads on")
			}
		})
	}
}
