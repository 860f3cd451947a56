package input

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// sameAsStrconv fails t unless parseFloat(s) is strconv.ParseFloat(s, 64):
// the same bits, or errors with the same message.
func sameAsStrconv(t *testing.T, s string) {
	t.Helper()
	got, gerr := parseFloat([]byte(s))
	want, werr := strconv.ParseFloat(s, 64)
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("parseFloat(%q) error %v, strconv %v", s, gerr, werr)
	}
	if math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("parseFloat(%q) = %v (%#x), strconv %v (%#x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
	}
	if _, ok := fastFloat([]byte(s)); ok && werr != nil {
		t.Fatalf("fastFloat accepts %q, strconv rejects it: %v", s, werr)
	}
}

func TestParseFloat(t *testing.T) {
	tests := []struct {
		name, in string
		fast     bool // fastFloat takes it, rather than strconv
	}{
		{"zero", "0", true},
		{"negative zero", "-0", true},
		{"plus zero", "+0", true},
		{"negative zero fraction", "-0.000", true},
		{"zero huge exponent", "0e99999999999", true},
		{"negative zero tiny exponent", "-0e-99999999999", true},
		{"1e22 exact", "1e22", true},
		{"1e23 not exact", "1e23", false},
		{"1e-22", "1e-22", true},
		{"1e-23", "1e-23", false},
		{"2^53", "9007199254740992", true},
		{"2^53+1 rounds to even", "9007199254740993", false},
		{"2^53 over 1e22", "9007199254740992e-22", true},
		{"2^53 times 1e22", "9007199254740992e22", true},
		{"one tenth", "0.1", true},
		{"exponent and fraction", "123456.789e-5", true},
		{"pi 16 digits", "3.141592653589793", true},
		{"17 digits", "12345678901234567", false},
		{"trailing zeros past 2^53", "1.0000000000000000", false},
		{"many digits", "0.12345678901234567890123", false},
		{"uci susy field", "9.728614687919616699e-01", false},
		{"leading zeros", "000000123.5", true},
		{"leading fraction zeros", "0.000001", true},
		{"long padded zero", "0.000000000000000000000001", false},
		{"padded exponent", "1e00000000000000000022", true},
		{"susy field", "0.97286147", true},
		{"negative susy field", "-1.73987317", true},
		{"upper exponent", "1E5", true},
		{"exponent plus", "2.5e+3", true},
		{"exponent minus", "2.5E-3", true},
		{"dot last", "1.", true},
		{"dot first", ".5", true},
		{"negative dot first", "-.5", true},
		{"plus", "+1", true},
		{"plus dot", "+.5", true},
		{"smallest subnormal", "5e-324", false},
		{"largest", "1.7976931348623157e308", false},
		{"overflow", "1e400", false},
		{"underflow", "1e-400", false},
		{"inf", "inf", false},
		{"negative infinity", "-Infinity", false},
		{"nan", "NaN", false},
		{"hex", "0x1p-2", false},
		{"underscore", "1_000", false},
		{"hex underscore", "0x_1p0", false},
		{"empty", "", false},
		{"sign only", "-", false},
		{"dot only", ".", false},
		{"sign dot", "-.", false},
		{"two dots", "1..2", false},
		{"dot in exponent", "1e2.5", false},
		{"exponent without digits", "1e", false},
		{"exponent sign only", "1e+", false},
		{"exponent only", "e5", false},
		{"dot exponent", ".e5", false},
		{"trailing junk", "1e5x", false},
		{"double sign", "--1", false},
		{"leading space", " 1", false},
		{"trailing space", "1 ", false},
		{"leading tab", "\t1", false},
		{"comma", "1,5", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameAsStrconv(t, tt.in)
			if _, ok := fastFloat([]byte(tt.in)); ok != tt.fast {
				t.Errorf("fastFloat(%q) ok = %v, want %v", tt.in, ok, tt.fast)
			}
		})
	}
}

// TestParseFloatSusyFast checks that the 8-decimal SUSY fields, the hot
// case, all take the fast path.
func TestParseFloatSusyFast(t *testing.T) {
	for f := range strings.SplitSeq(strings.TrimSpace(susyLine206), ",") {
		if _, ok := fastFloat([]byte(f)); !ok {
			t.Errorf("fastFloat(%q) falls back to strconv", f)
		}
	}
}

// TestParseFloatRandom compares parseFloat with strconv on random decimals
// around the limits of the fast path: mantissas up to and past 2^53,
// exponents past ±22, with the dot anywhere.
func TestParseFloatRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	for range n {
		var man uint64
		switch r.IntN(3) {
		case 0:
			man = maxExactInt - r.Uint64N(1000) + 500
		case 1:
			man = r.Uint64N(maxExactInt + 1)
		default:
			man = r.Uint64N(1 << r.IntN(64))
		}
		digits := strconv.FormatUint(man, 10)
		if dot := r.IntN(len(digits) + 2); dot <= len(digits) {
			digits = digits[:dot] + "." + digits[dot:]
		}
		s := digits + "e" + strconv.Itoa(r.IntN(61)-30)
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		sameAsStrconv(t, s)
	}
}

// FuzzParseFloatMatchesStrconv checks, for any string, that parseFloat
// returns what strconv.ParseFloat(s, 64) returns: the same bits, or errors
// with the same message; and that the fast path only takes what strconv
// accepts.
func FuzzParseFloatMatchesStrconv(f *testing.F) {
	for _, s := range []string{
		"0", "-0", "1e22", "1e23", "9007199254740992", "9007199254740993",
		"0.1", "123456.789e-5", "0.12345678901234567890123", "000123.5",
		"1.", ".5", "-.5", "1e", "e5", "+1", " 1", "1 ", "inf", "NaN",
		"0x1p-2", "1_000", "0e99999", "-1.73987317", "9.728614687919616699e-01",
	} {
		f.Add(s)
	}
	for f0 := range bytes.SplitSeq(bytes.TrimSpace([]byte(susyLine206)), []byte(",")) {
		f.Add(string(f0))
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsStrconv(t, s)
	})
}

// FuzzScanNumber: whatever scanNumber accepts is a field that ends at the
// delimiter or at the end, and parseFloat gives that field the same bits
// (and no error).
func FuzzScanNumber(f *testing.F) {
	for _, s := range []string{"0.5,1", "-0,", "+12.25;3", "255", "1.", ".5", "-", "1e5,", "12345678901234567890,", "0.0000000000000000000001|", " 1,"} {
		f.Add([]byte(s), byte(','))
	}
	f.Add([]byte("1;2"), byte(';'))
	f.Add([]byte("1\t2"), byte('\t'))
	f.Fuzz(func(t *testing.T, b []byte, delim byte) {
		if bytes.IndexByte([]byte("0123456789.+-"), delim) >= 0 {
			return
		}
		v, n, ok := scanNumber(b, delim)
		if !ok {
			return
		}
		if n > len(b) || (n < len(b) && b[n] != delim) {
			t.Fatalf("%q: field of length %d", b, n)
		}
		want, err := parseFloat(b[:n])
		if err != nil || math.Float64bits(v) != math.Float64bits(want) {
			t.Fatalf("%q: scanNumber %v, parseFloat %v %v", b[:n], v, want, err)
		}
	})
}

func TestScanNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		v    float64
		n    int
		fail bool
	}{
		{in: "0.97286147,1", v: 0.97286147, n: 10},
		{in: "-1.5", v: -1.5, n: 4},
		{in: "255,0", v: 255, n: 3},
		{in: ",", fail: true},
		{in: "1 ,", fail: true},
		{in: "1e3,", fail: true},
		{in: "\"1\",", fail: true},
		{in: "99999999999999999999", fail: true},
	} {
		v, n, ok := scanNumber([]byte(c.in), ',')
		if ok == c.fail || (ok && (v != c.v || n != c.n)) {
			t.Errorf("scanNumber(%q) = %v %d %v", c.in, v, n, ok)
		}
	}
	if v, _, ok := scanNumber([]byte("-0"), ','); !ok || !math.Signbit(v) {
		t.Errorf("-0: %v %v", v, ok)
	}
}
