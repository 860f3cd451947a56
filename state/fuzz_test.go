package state

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// FuzzDecodeOffset: decodeOffset never panics; it accepts exactly 8 bytes
// and round-trips through putOffset.
func FuzzDecodeOffset(f *testing.F) {
	for _, seed := range [][]byte{nil, {1}, make([]byte, 8), bytes.Repeat([]byte{0xff}, 8), make([]byte, 9)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		off, err := decodeOffset(b)
		if (err == nil) != (len(b) == offsetLen) {
			t.Fatalf("decodeOffset(%x) error %v", b, err)
		}
		if err != nil {
			return
		}
		enc := make([]byte, offsetLen)
		putOffset(enc, off)
		if !bytes.Equal(enc, b) {
			t.Fatalf("round trip %x -> %d -> %x", b, off, enc)
		}
	})
}

// FuzzEscapeTopic: the escaped name holds only safe bytes (so no path
// separator) and unescapes to the topic, so two topics never share a
// directory.
func FuzzEscapeTopic(f *testing.F) {
	for _, seed := range []string{"orders", "a/b", "a%2Fb", "..", "ü", "\x00\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		esc := escapeTopic(topic)
		for i := 0; i < len(esc); i++ {
			if !safeByte(esc[i]) && esc[i] != '%' {
				t.Fatalf("escapeTopic(%q) = %q holds %q", topic, esc, esc[i])
			}
		}
		if got := unescapeTopic(t, esc); got != topic {
			t.Fatalf("unescape(escapeTopic(%q)) = %q", topic, got)
		}
	})
}

// unescapeTopic inverts escapeTopic.
func unescapeTopic(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			t.Fatalf("bad escape in %q: %v", s, err)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String()
}

// FuzzTableRange: a table key is inside the pebble bounds of
// IteratorWithRange(start, limit) exactly when start <= key < limit, or,
// with an empty limit, when key has the prefix start.
func FuzzTableRange(f *testing.F) {
	f.Add([]byte("a"), []byte(""), []byte("ab"))
	f.Add([]byte("a\xff"), []byte(""), []byte("b"))
	f.Add([]byte(""), []byte(""), []byte("\xff"))
	f.Add([]byte("b"), []byte("a"), []byte("a"))
	f.Add([]byte("a"), []byte("c"), []byte("b"))
	f.Fuzz(func(t *testing.T, start, limit, key []byte) {
		lower, upper := tableRange(start, limit)
		pk := appendTableKey(nil, key)
		in := bytes.Compare(lower, pk) <= 0 && bytes.Compare(pk, upper) < 0
		want := bytes.HasPrefix(key, start)
		if len(limit) > 0 {
			want = bytes.Compare(start, key) <= 0 && bytes.Compare(key, limit) < 0
		}
		if in != want {
			t.Fatalf("range(%q, %q) holds %q: %t, want %t", start, limit, key, in, want)
		}
	})
}
