package susy

import "math"

// Portable arithmetic. The Go specification lets a compiler fuse x*y+z into
// one FMA instruction (it does on arm64, ppc64le, s390x, not on amd64), and
// math.Exp and math.Log use assembly on some architectures. Either would make
// the generator's output depend on the platform. The functions below use only
// +, -, *, / and math.Sqrt (correctly rounded everywhere), with every product
// that feeds an addition wrapped in an explicit float64 conversion, which the
// specification says prevents fusion. Exp and log follow the pure-Go versions
// in the standard library's math package (BSD licence, from FreeBSD's msun).

const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
	log2e = 1.44269504088896338700e+00
)

// pexp returns e**x for x in [-700, 700]; arguments outside are clamped, so
// the result is always a normal, finite float64.
func pexp(x float64) float64 {
	const (
		p1 = 1.66666666666666657415e-01
		p2 = -2.77777777770155933842e-03
		p3 = 6.61375632143793436117e-05
		p4 = -1.65339022054652515390e-06
		p5 = 4.13813679705723846039e-08
	)
	x = min(max(x, -700), 700)
	var k int
	switch {
	case x < 0:
		k = int(float64(log2e*x) - 0.5)
	case x > 0:
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(float64(k) * ln2Lo)
	r := hi - lo
	t := float64(r * r)
	poly := p1 + float64(t*(p2+float64(t*(p3+float64(t*(p4+float64(t*p5)))))))
	c := r - float64(t*poly)
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return float64(y * pow2(k))
}

// plog returns the natural logarithm of x for a finite x > 0 that is a
// normal float64 (all callers pass values in (0, 1)).
func plog(x float64) float64 {
	const (
		l1 = 6.666666666666735130e-01
		l2 = 3.999999999940941908e-01
		l3 = 2.857142874366239149e-01
		l4 = 2.222219843214978396e-01
		l5 = 1.818357216161805012e-01
		l6 = 1.531383769920937332e-01
		l7 = 1.479819860511658591e-01
	)
	f1, ki := frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (l1 + float64(s4*(l3+float64(s4*(l5+float64(s4*l7)))))))
	t2 := float64(s4 * (l2 + float64(s4*(l4+float64(s4*l6)))))
	r := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(k*ln2Lo))) - f)
}

// frexp splits a positive normal x into a fraction in [0.5, 1) and a power
// of two, by bit manipulation only.
func frexp(x float64) (frac float64, exp int) {
	const mask, shift, bias = 0x7FF, 52, 1022
	b := math.Float64bits(x)
	exp = int((b>>shift)&mask) - bias
	b &^= mask << shift
	b |= bias << shift
	return math.Float64frombits(b), exp
}

// pow2 returns 2**k for k in the normal exponent range.
func pow2(k int) float64 {
	return math.Float64frombits(uint64(k+1023) << 52)
}

// sigmoid returns 1/(1+e**-z), portable.
func sigmoid(z float64) float64 {
	return 1 / (1 + pexp(-z))
}
