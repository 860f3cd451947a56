package susy

import (
	"math"
	"strconv"
)

// appendFeature appends v exactly as strconv.AppendFloat(b, v, 'g', -1, 64)
// does. Features are multiples of 1/quantum, so in the range where 'g' picks
// plain decimal notation the shortest representation is the integer k =
// v*quantum printed with six decimals, trailing zeros dropped: three times
// faster than strconv's shortest search. Outside that range (|v| < 1e-4 uses
// an exponent; |v| >= 1e5 is kept out of the fast path for margin) it falls
// back to strconv. FuzzAppendFeature checks the two agree.
func appendFeature(b []byte, v float64) []byte {
	a := math.Abs(v)
	if a < 1e-4 || a >= 1e5 {
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	k := int64(roundInt(float64(a * quantum)))
	if float64(k)/quantum != a {
		return strconv.AppendFloat(b, v, 'g', -1, 64) // not on the grid
	}
	if v < 0 {
		b = append(b, '-')
	}
	if ip := k / quantum; ip < 10 {
		b = append(b, byte('0'+ip))
	} else {
		b = strconv.AppendInt(b, ip, 10)
	}
	frac := k % quantum
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	for div := int64(quantum / 10); frac != 0; div /= 10 {
		d := frac / div
		b = append(b, byte('0'+d))
		frac -= d * div
	}
	return b
}

// roundInt rounds v, |v| < 2**51, to an integer, ties to even, in plain
// IEEE arithmetic: adding 1.5×2**52 leaves no bits below the units.
func roundInt(v float64) float64 {
	const magic = 1.5 * (1 << 52)
	return (v + magic) - magic
}
