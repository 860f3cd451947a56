package input

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/linkedin/goavro/v2"
)

var testSync = []byte("0123456789abcdef")

// ocfFile builds an Object Container File by hand, so that tests choose the
// codec and the blocks, and can corrupt them.
type ocfFile struct {
	schema string
	codec  string // "" writes no avro.codec
	// negativeCount writes the metadata map as one block with a negative
	// count and a byte size, as the specification allows.
	negativeCount bool
	blocks        [][]byte
	counts        []int
}

// addRecords appends a block of records.
func (f *ocfFile) addRecords(tb testing.TB, recs ...map[string]any) *ocfFile {
	tb.Helper()
	c, err := goavro.NewCodec(f.schema)
	if err != nil {
		tb.Fatal(err)
	}
	var data []byte
	for _, r := range recs {
		if data, err = c.BinaryFromNative(data, r); err != nil {
			tb.Fatal(err)
		}
	}
	return f.addRaw(len(recs), data)
}

// addRaw appends a block of already encoded records.
func (f *ocfFile) addRaw(count int, data []byte) *ocfFile {
	f.blocks = append(f.blocks, data)
	f.counts = append(f.counts, count)
	return f
}

func (f *ocfFile) bytes(tb testing.TB) []byte {
	tb.Helper()
	out := []byte("Obj\x01")
	n := 1
	if f.codec != "" {
		n = 2
	}
	var meta []byte
	meta = appendAvroBytes(meta, []byte("avro.schema"))
	meta = appendAvroBytes(meta, []byte(f.schema))
	if f.codec != "" {
		meta = appendAvroBytes(meta, []byte("avro.codec"))
		meta = appendAvroBytes(meta, []byte(f.codec))
	}
	if f.negativeCount {
		out = binary.AppendVarint(out, int64(-n))
		out = binary.AppendVarint(out, int64(len(meta)))
	} else {
		out = binary.AppendVarint(out, int64(n))
	}
	out = append(out, meta...)
	out = binary.AppendVarint(out, 0)
	out = append(out, testSync...)
	for i, data := range f.blocks {
		z := compressBlock(tb, f.codec, data)
		out = binary.AppendVarint(out, int64(f.counts[i]))
		out = appendAvroBytes(out, z)
		out = append(out, testSync...)
	}
	return out
}

func appendAvroBytes(out, b []byte) []byte {
	return append(binary.AppendVarint(out, int64(len(b))), b...)
}

func compressBlock(tb testing.TB, codec string, data []byte) []byte {
	tb.Helper()
	switch codec {
	case "deflate":
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestSpeed)
		w.Write(data)
		w.Close()
		return buf.Bytes()
	case "snappy":
		out := snappy.Encode(nil, data)
		return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(data))
	case "zstandard":
		enc, err := zstd.NewWriter(nil)
		if err != nil {
			tb.Fatal(err)
		}
		defer enc.Close()
		return enc.EncodeAll(data, nil)
	}
	return data
}

// goavroOCF writes records with goavro's own OCF writer, one block per
// Append.
func goavroOCF(tb testing.TB, schema, codec string, blocks ...[]any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := goavro.NewOCFWriter(goavro.OCFConfig{W: &buf, Schema: schema, CompressionName: codec})
	if err != nil {
		tb.Fatal(err)
	}
	for _, b := range blocks {
		if err := w.Append(b); err != nil {
			tb.Fatal(err)
		}
	}
	return buf.Bytes()
}

// confluent frames Avro binary in the Confluent wire format.
func confluent(id uint32, body []byte) []byte {
	out := binary.BigEndian.AppendUint32([]byte{0}, id)
	return append(out, body...)
}
