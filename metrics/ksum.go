package metrics

import "math"

// ksum is a Neumaier-compensated sum: adding then subtracting the same
// large value leaves the small ones intact, so Update/Revert do not drift.
type ksum struct{ s, c float64 }

func (k *ksum) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k *ksum) value() float64 { return k.s + k.c }
