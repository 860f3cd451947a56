package susy

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Features is the number of features in a row.
const Features = 18

// quantum is the grid the features are rounded to: values print as short
// decimals and parse back to exactly the float64 that Next returned.
const quantum = 1e6

// pcgSeq is the fixed PCG stream selector; the seed picks the state.
const pcgSeq = 0x5355_5359 // "SUSY"

// Generator draws rows of the synthetic SUSY-shaped data set. Its output
// depends only on the seed: the same seed yields the same rows, bit for bit,
// on every platform. A Generator is not safe for concurrent use.
type Generator struct {
	src *rand.PCG
	zig ziggurat          // normal sampler tables
	u   [Features]float64 // correlated latents for the current row
	x   [Features]float64 // scratch row for AppendCSV
}

// New returns a Generator seeded with seed.
func New(seed uint64) *Generator {
	return &Generator{src: rand.NewPCG(seed, pcgSeq), zig: newZiggurat()}
}

// Next fills x[:Features] with the next row's features and returns its label,
// drawn from the true model, and the true probability P(y=1 | x).
// It panics if len(x) < Features, like a slice index would.
func (g *Generator) Next(x []float64) (label int, p float64) {
	x = x[:Features]
	logit := float64(intercept)
	for i := range specs {
		s := &specs[i]
		u := float64(s.noise * g.normal())
		for _, l := range s.links {
			u += float64(l.coef * g.u[l.from])
		}
		g.u[i] = u
		x[i] = quantize(s.mean + float64(s.scale*s.tf.apply(u)))
		logit += float64(s.weight * x[i])
	}
	p = sigmoid(logit)
	if g.uniform() < p {
		label = 1
	}
	return label, p
}

// AppendCSV appends the next row to b as 18 comma-separated numbers in
// strconv 'g' -1 format, without label or newline, and returns the extended
// slice and the row's label. The label is what a producer puts in the key.
func (g *Generator) AppendCSV(b []byte) (line []byte, label int) {
	label, _ = g.Next(g.x[:])
	for i, v := range g.x {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFeature(b, v)
	}
	return b, label
}

// FeatureNames returns the column names "f0" … "f17".
func FeatureNames() []string {
	names := make([]string, Features)
	for i := range names {
		names[i] = "f" + strconv.Itoa(i)
	}
	return names
}

// apply maps a latent to the transform's shape.
func (t transform) apply(u float64) float64 {
	switch t {
	case expo:
		return pexp(u)
	case absval:
		return math.Abs(u)
	default:
		return u
	}
}

// uniform returns a float64 in [0, 1) with 53 random bits, as
// rand.Rand.Float64 does.
func (g *Generator) uniform() float64 {
	return float64(g.src.Uint64()>>11) / (1 << 53)
}

// quantize rounds v to the nearest multiple of 1/quantum, ties to even,
// with roundInt: cheaper than math.Round and as portable.
// Beyond |v| ≈ 2.2e9 (out of reach of these features) it rounds coarser,
// still deterministically.
func quantize(v float64) float64 {
	return roundInt(float64(v*quantum)) / quantum
}
