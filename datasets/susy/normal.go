package susy

import "math"

// Standard normals by the ziggurat method of Marsaglia and Tsang (2000),
// 128 layers, as math/rand/v2 does it, but with tables built by the portable
// pexp and plog so that every platform draws the same values.

const (
	zigLayers = 128
	zigMask   = zigLayers - 1       // layer index bits
	zigShift  = 32                  // the layer index sits above the 32-bit draw
	zigR      = 3.442619855899      // start of the tail
	zigInvR   = 1 / zigR            // for the tail
	zigV      = 9.91256303526217e-3 // area of each layer
	zigM1     = 1 << 31             // scale of the signed 32-bit draw
)

// ziggurat holds the layer tables: k for the fast accept test, w to scale the
// draw, f the density at each layer's edge.
type ziggurat struct {
	k [zigLayers]uint32
	w [zigLayers]float64
	f [zigLayers]float64
}

// newZiggurat builds the tables (Marsaglia and Tsang's zigset; k[1] stays 0
// so layer 1 always takes the wedge test).
func newZiggurat() ziggurat {
	var z ziggurat
	dn := zigR
	tn := dn
	q := zigV / density(dn)
	z.k[0] = uint32(dn / q * zigM1)
	z.w[0] = q / zigM1
	z.w[zigMask] = dn / zigM1
	z.f[0] = 1
	z.f[zigMask] = density(dn)
	for i := zigMask - 1; i >= 1; i-- {
		dn = math.Sqrt(-2 * plog(zigV/dn+density(dn)))
		z.k[i+1] = uint32(dn / tn * zigM1)
		tn = dn
		z.f[i] = density(dn)
		z.w[i] = dn / zigM1
	}
	return z
}

// density is the unnormalised standard normal density e**(-x²/2).
func density(x float64) float64 {
	return pexp(float64(-0.5 * x * x))
}

// normal returns a standard normal draw.
func (g *Generator) normal() float64 {
	z := &g.zig
	for {
		r := g.src.Uint64()
		j := int32(r)
		i := (r >> zigShift) & zigMask
		x := float64(float64(j) * z.w[i])
		if absInt32(j) < z.k[i] {
			return x // inside the layer's rectangle: about 99% of draws
		}
		if i == 0 {
			return g.tail(j < 0)
		}
		lo := z.f[i]
		if lo+float64(g.uniform()*(z.f[i-1]-lo)) < density(x) {
			return x // in the wedge under the curve
		}
	}
}

// tail draws from the normal tail beyond zigR (Marsaglia's method).
func (g *Generator) tail(negative bool) float64 {
	for {
		x := float64(-plog(1-g.uniform()) * zigInvR)
		y := -plog(1 - g.uniform())
		if y+y >= float64(x*x) {
			if negative {
				return -zigR - x
			}
			return zigR + x
		}
	}
}

func absInt32(i int32) uint32 {
	if i < 0 {
		return uint32(-i)
	}
	return uint32(i)
}
