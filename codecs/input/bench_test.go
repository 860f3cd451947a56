package input

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/streamsgd/streamsgd/datasets/pixels"
)

// susyLine is a line of the SUSY data set (18 floats) as the UCI file
// spells it, with 19 significant digits: 454 bytes, the slow case for
// strconv.ParseFloat.
const susyLine = "9.728614687919616699e-01,6.538545489311218262e-01,1.176224589347839355e+00,1.157156467437744141e+00,-1.739873170852661133e+00,-8.743090629577636719e-01,5.677649974822998047e-01,-1.750000417232513428e-01,8.100607991218566895e-01,-2.525521218776702881e-01,1.921887040138244629e+00,8.896374106407165527e-01,4.107718467712402344e-01,1.145620822906494141e+00,1.932632088661193848e+00,9.944640994071960449e-01,1.367815494537353516e+00,4.071449860930442810e-02\n"

// susyLine206 is the same line with 8 decimals: 202 bytes, the size of the
// SUSY records in the Kafka tutorials.
const susyLine206 = "0.97286147,0.65385455,1.17622459,1.15715647,-1.73987317,-0.87430906,0.56776500,-0.17500004,0.81006080,-0.25255212,1.92188704,0.88963741,0.41077185,1.14562082,1.93263209,0.99446410,1.36781549,0.04071450\n"

func benchRows(b *testing.B, d Decoder, key, value []byte) {
	b.Helper()
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	var dst []Row
	rows := 0
	for b.Loop() {
		var bad []RowError
		var err error
		dst, bad, err = d.Decode(key, value, dst[:0])
		if err != nil || len(bad) > 0 {
			b.Fatalf("decode: %v %v", err, bad)
		}
		rows += len(dst)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkDecodeCSV(b *testing.B) {
	d, err := NewDecoder(Spec{Label: LabelFromKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("susy-206B-1row", func(b *testing.B) {
		benchRows(b, d, []byte("1"), []byte(susyLine206))
	})
	b.Run("susy-206B-64rows", func(b *testing.B) {
		benchRows(b, d, []byte("0"), bytes.Repeat([]byte(susyLine206), 64))
	})
	b.Run("susy-uci-1row", func(b *testing.B) {
		benchRows(b, d, []byte("1"), []byte(susyLine))
	})
	b.Run("susy-uci-64rows", func(b *testing.B) {
		benchRows(b, d, []byte("0"), bytes.Repeat([]byte(susyLine), 64))
	})
	b.Run("pixels-784-16rows", func(b *testing.B) {
		benchRows(b, d, []byte("3"), pixelLines(16))
	})
	b.Run("images-784-16rows", func(b *testing.B) {
		benchRows(b, d, []byte("3"), imageLines(16))
	})
	h, err := NewDecoder(Spec{Header: true, LabelColumn: "label", KeyColumn: "id"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("header-label-entity-64rows", func(b *testing.B) {
		var msg bytes.Buffer
		msg.WriteString("id,label,f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,f13,f14,f15,f16,f17\n")
		for i := range 64 {
			msg.WriteString("sensor-" + strconv.Itoa(i%4) + ",1," + susyLine206)
		}
		benchRows(b, h, nil, msg.Bytes())
	})
}

func BenchmarkDecodeAvro(b *testing.B) {
	schema := readSusySchema(b)
	d, err := NewDecoder(Spec{Format: FormatAvro, AvroSchema: schema, LabelColumn: "label"})
	if err != nil {
		b.Fatal(err)
	}
	codec, err := goavro.NewCodec(schema)
	if err != nil {
		b.Fatal(err)
	}
	one := susyBinary(b, codec, 1)
	b.Run("susy-1record", func(b *testing.B) { benchRows(b, d, nil, one) })
	b.Run("susy-64records", func(b *testing.B) { benchRows(b, d, nil, susyBinary(b, codec, 64)) })
}

// BenchmarkParseFloatFloor parses the 18 fields of a SUSY line, already
// split: the floor under BenchmarkDecodeCSV/susy-*-1row.
func BenchmarkParseFloatFloor(b *testing.B) {
	for _, line := range []struct{ name, line string }{{"206B", susyLine206}, {"uci", susyLine}} {
		fields := bytes.Split(bytes.TrimSpace([]byte(line.line)), []byte(","))
		b.Run(line.name, func(b *testing.B) {
			b.ReportAllocs()
			var sum float64
			for b.Loop() {
				for _, f := range fields {
					v, _ := parseFloat(f)
					sum += v
				}
			}
			_ = sum
		})
	}
}

// pixelLines makes n lines of 784 integer pixels 0-255 (Fashion-MNIST's
// shape), the short fields of wide rows.
// imageLines is n rows of the benchmark's Fashion-MNIST-shaped images
// (package pixels): half of their pixels are 0.
func imageLines(n int) []byte {
	g := pixels.New(1)
	var b, line []byte
	for range n {
		line = g.AppendCSV(line[:0])
		b = append(append(b, line[bytes.IndexByte(line, ',')+1:]...), '\n') // without the class
	}
	return b
}

// pixelLines is n rows of 784 values spread evenly over 0-255.
func pixelLines(n int) []byte {
	var b []byte
	for i := range n {
		for j := range 784 {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64((i*7919+j*104729)%256), 10)
		}
		b = append(b, '\n')
	}
	return b
}
