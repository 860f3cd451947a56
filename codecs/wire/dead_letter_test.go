package wire

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// TestNewDeadLetter keeps sizes and hashes of the raw bytes, and nil as
// nil.
func TestNewDeadLetter(t *testing.T) {
	d := NewDeadLetter(Source{Topic: "in", Partition: 2, Offset: 9}, WholeMessage, nil, []byte("1,x"), "r")
	sum := sha256.Sum256([]byte("1,x"))
	if d.Key != nil || d.KeySHA256 != nil || d.KeySize != 0 || d.ValueSize != 3 || !bytes.Equal(d.ValueSHA256, sum[:]) {
		t.Fatalf("%+v", d)
	}
}

// TestDeadLetterFit: whatever the content and the limit, a fitted dead
// letter encodes within the limit (unless its coordinates alone cannot),
// its key and value are prefixes of the raw ones, and sizes and hashes
// are those of the raw bytes.
func TestDeadLetterFit(t *testing.T) {
	g := newGen(21)
	big := bytes.Repeat([]byte("ab\x00ü\xff"), 40_000)
	for i := range 2000 {
		for _, enc := range []string{JSON, Avro} {
			key, value := g.bytes(), g.bytes()
			if i%3 == 0 {
				value = big[:g.r.IntN(len(big))]
			}
			if i%7 == 0 {
				key = big[:g.r.IntN(len(big)/4)]
			}
			d := NewDeadLetter(Source{Topic: g.str(), Offset: g.long()}, g.int(), key, value, g.str())
			limit := 64 + g.r.IntN(300_000)
			fits := d.Fit(enc, limit)
			n := len(AppendDeadLetter(nil, d))
			if enc == JSON {
				n = len(AppendDeadLetterJSON(nil, d))
			}
			switch {
			case fits != (n <= limit):
				t.Fatalf("%s: Fit says %v, encoded %d bytes, limit %d", enc, fits, n, limit)
			case !fits && (len(d.Key) > 0 || len(d.Value) > 0):
				t.Fatalf("%s: does not fit %d, yet keeps %d+%d bytes", enc, limit, len(d.Key), len(d.Value))
			case !bytes.HasPrefix(value, d.Value) || !bytes.HasPrefix(key, d.Key):
				t.Fatalf("%s: key or value not a prefix of the raw bytes", enc)
			case d.ValueSize != int64(len(value)) || d.KeySize != int64(len(key)):
				t.Fatalf("%s: sizes %d, %d changed", enc, d.KeySize, d.ValueSize)
			case (len(d.Value) < len(value) || len(d.Key) < len(key)) && !d.Truncated:
				t.Fatalf("%s: cut without Truncated", enc)
			}
			if fits && n < limit/2 && d.Truncated && len(d.Value) < len(value) && limit > 10_000 {
				t.Fatalf("%s: cut to %d bytes for a limit of %d", enc, n, limit)
			}
		}
	}
}

// FuzzDeadLetterFit: Fit never panics, and a dead letter it says fits
// encodes within the limit.
func FuzzDeadLetterFit(f *testing.F) {
	f.Add([]byte("k"), []byte("1,2,x"), "reason", 100, false)
	f.Add([]byte{0xff, 0xfe}, bytes.Repeat([]byte{0xc3, 0xbc}, 500), "r", 300, true)
	f.Fuzz(func(t *testing.T, key, value []byte, reason string, limit int, avro bool) {
		enc := JSON
		if avro {
			enc = Avro
		}
		d := NewDeadLetter(Source{Topic: "in"}, 0, key, value, reason)
		if d.Fit(enc, limit) {
			n := len(AppendDeadLetterJSON(nil, d))
			if avro {
				n = len(AppendDeadLetter(nil, d))
			}
			if n > limit {
				t.Fatalf("fits, yet %d bytes > %d", n, limit)
			}
		}
	})
}
