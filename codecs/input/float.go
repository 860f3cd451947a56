package input

import (
	"strconv"
	"unsafe"
)

// parseFloat returns exactly what strconv.ParseFloat(string(b), 64) returns,
// the same bits and the same error, without copying b (strconv does not
// retain its argument; its errors hold a clone). Short decimals, the bulk
// of CSV features, take fastFloat; everything else goes to strconv.
func parseFloat(b []byte) (float64, error) {
	if v, ok := fastFloat(b); ok {
		return v, nil
	}
	return strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
}

// exactPow10 holds the powers of ten that a float64 holds exactly. Read only.
var exactPow10 = [...]float64{
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
}

// maxExactInt is 2^53: a float64 holds every integer up to it exactly.
const maxExactInt = 1 << 53

// maxFastLen bounds the fields fastFloat scans. A mantissa <= 2^53 has at
// most 16 digits: with a sign, a dot and "e-22" that is 22 bytes, so only
// zero-padded spellings are longer. Longer fields, such as the 24-25 byte
// %.18e of the UCI SUSY file, go straight to strconv, not scanned twice.
const maxFastLen = 23

// fastFloat is Clinger's fast path. It accepts [+-]digits[.digits][(e|E)
// [+-]digits] (at least one mantissa digit, either side of the dot) whose
// digits, read as an integer m, satisfy m <= 2^53, and whose decimal
// exponent e (with the dot folded in) satisfies |e| <= 22. Then m and 10^|e|
// are exact float64s and m*10^e or m/10^-e is one correctly rounded IEEE
// operation: the result strconv.ParseFloat returns. A zero mantissa is ±0
// whatever the exponent, as in strconv. ok is false for anything else
// (inf, nan, hex, underscores, long mantissas, fields longer than
// maxFastLen, bad syntax, ""), which the caller leaves to strconv.
func fastFloat(b []byte) (v float64, ok bool) {
	if len(b) > maxFastLen {
		return 0, false
	}
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		i, neg = 1, b[0] == '-'
	}
	var man uint64
	exp, digits, dot := 0, false, false
	for ; i < len(b); i++ {
		if c := b[i] - '0'; c < 10 {
			man = man*10 + uint64(c) // man <= 2^53 before: no overflow
			if man > maxExactInt {
				return 0, false
			}
			digits = true
			if dot {
				exp--
			}
		} else if b[i] == '.' && !dot {
			dot = true
		} else {
			break
		}
	}
	if !digits {
		return 0, false
	}
	if i < len(b) {
		e, n := exponent(b[i:])
		if n == 0 || i+n != len(b) {
			return 0, false
		}
		exp += e
	}
	v = float64(man)
	if neg {
		v = -v // -0 for a zero mantissa
	}
	switch {
	case man == 0:
		return v, true
	case 0 <= exp && exp <= 22:
		return v * exactPow10[exp], true
	case -22 <= exp && exp < 0:
		return v / exactPow10[-exp], true
	}
	return 0, false
}

// exponent reads (e|E)[+-]digits at the start of b; n is its length, or 0
// if b does not start with one. Like strconv, it stops growing e at 10000,
// far beyond what fastFloat uses, so that it cannot overflow.
func exponent(b []byte) (e, n int) {
	if len(b) < 2 || b[0]|0x20 != 'e' {
		return 0, 0
	}
	i, sign := 1, 1
	if b[1] == '-' || b[1] == '+' {
		i = 2
		if b[1] == '-' {
			sign = -1
		}
	}
	start := i
	for ; i < len(b) && b[i]-'0' < 10; i++ {
		if e < 10000 {
			e = e*10 + int(b[i]-'0')
		}
	}
	if i == start {
		return 0, 0
	}
	return sign * e, i
}

// scanNumber is fastFloat fused with the split of a CSV field: it reads a
// plain decimal [+-]digits[.digits] (at least one digit, a mantissa <=
// 2^53, at most 22 decimals) at the start of b that ends at delim or at
// the end of b, and returns its value and length. ok is false for
// anything else (blanks, quotes, exponents, long mantissas, other
// characters), which the caller splits and parses the general way; when
// ok, v is bit for bit what parseFloat gives the field. One pass over the
// bytes instead of a search for the delimiter and then a parse: the fields
// of wide rows (784 pixels) are a few bytes each, and the call per field
// was half their cost. delim must not be a digit, '.', '+' or '-'.
func scanNumber(b []byte, delim byte) (v float64, n int, ok bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		i, neg = 1, b[0] == '-'
	}
	var man uint64
	exp, digits, dot := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		if d := c - '0'; d < 10 {
			man = man*10 + uint64(d) // man <= 2^53 before: no overflow
			if man > maxExactInt {
				return 0, 0, false
			}
			digits++
			if dot {
				exp--
			}
		} else if c == '.' && !dot {
			dot = true
		} else if c == delim {
			break
		} else {
			return 0, 0, false
		}
	}
	if digits == 0 || exp < -22 {
		return 0, 0, false
	}
	v = float64(man)
	if man != 0 && exp < 0 {
		v /= exactPow10[-exp]
	}
	if neg {
		v = -v // -0 for a zero mantissa
	}
	return v, i, true
}
