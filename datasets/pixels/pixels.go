// Package pixels generates a synthetic, Fashion-MNIST-shaped multiclass
// stream: 28×28 = 784 integer pixels in 0..255 and a class 0..9 per row,
// for measuring wide rows (the benchmark against the peers, issue 14)
// where no such data set can be downloaded.
//
// # The data
//
// Each class has Styles prototype images, each the sum of a few Gaussian
// blobs of ink on a dark background, the same for every seed. A row picks
// its class and one of its styles uniformly, shifts the prototype by up to
// one pixel each way, scales its ink by a random contrast, adds Gaussian
// pixel noise, and clips to 0..255 after rounding; pixels below a
// threshold are background (0), so that about half of a row's pixels are
// zero, as in Fashion-MNIST. Classes overlap through shared blobs and the
// noise: a linear softmax model learns them to about 0.8 accuracy, not 1.
//
// # Determinism
//
// The rows depend only on the seed (math/rand/v2's PCG) and the standard
// library's math, which is deterministic on one platform; the benchmark
// writes its files once per run, so cross-platform equality is not needed.
package pixels

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Shape of the images.
const (
	Side     = 28
	Features = Side * Side
	Classes  = 10
	Styles   = 3
)

// Noise parameters (pixel units).
const (
	noiseSD    = 100
	background = 40 // pixels below this are 0
	blobs      = 4  // per prototype
	shared     = 3  // blobs of a prototype taken from a pool shared by every class
)

// Generator draws rows. Not safe for concurrent use.
type Generator struct {
	r     *rand.Rand
	proto [Classes][Styles][Features]float64
	x     [Features]float64
}

// prototypeSeed draws the prototypes: the same for every generator, so
// that generators of different seeds (a train and a test split) draw rows
// of the same classes.
const prototypeSeed = 0x4641_5348 // "FASH"

// New returns a generator whose rows depend only on seed.
func New(seed uint64) *Generator {
	g := &Generator{r: rand.New(rand.NewPCG(prototypeSeed, 0x4d4e4953))} // "MNIS"
	pool := make([]blob, 6)
	for i := range pool {
		pool[i] = g.blob()
	}
	for c := range Classes {
		for s := range Styles {
			for b := range blobs {
				bl := g.blob()
				if b < shared {
					bl = pool[g.r.IntN(len(pool))]
				}
				bl.paint(&g.proto[c][s])
			}
		}
	}
	g.r = rand.New(rand.NewPCG(seed, 0x4d4e4953))
	return g
}

// blob is a Gaussian spot of ink.
type blob struct{ x, y, sx, sy, ink float64 }

func (g *Generator) blob() blob {
	return blob{
		x: 4 + 20*g.r.Float64(), y: 4 + 20*g.r.Float64(),
		sx: 1.5 + 4*g.r.Float64(), sy: 1.5 + 4*g.r.Float64(),
		ink: 120 + 135*g.r.Float64(),
	}
}

func (b blob) paint(img *[Features]float64) {
	for y := range Side {
		for x := range Side {
			dx, dy := (float64(x)-b.x)/b.sx, (float64(y)-b.y)/b.sy
			img[y*Side+x] += b.ink * math.Exp(-(dx*dx+dy*dy)/2)
		}
	}
}

// Next fills x[:Features] with the next row's pixels and returns its class.
func (g *Generator) Next(x []float64) int {
	x = x[:Features]
	c := g.r.IntN(Classes)
	p := &g.proto[c][g.r.IntN(Styles)]
	sx, sy := g.r.IntN(3)-1, g.r.IntN(3)-1
	contrast := 0.6 + 0.6*g.r.Float64()
	for y := range Side {
		for xx := range Side {
			v := 0.0
			if px, py := xx-sx, y-sy; px >= 0 && px < Side && py >= 0 && py < Side {
				v = p[py*Side+px] * contrast
			}
			v = math.Round(v + noiseSD*g.r.NormFloat64())
			switch {
			case v < background:
				v = 0
			case v > 255:
				v = 255
			}
			x[y*Side+xx] = v
		}
	}
	return c
}

// AppendCSV appends the next row as its class then 784 integers,
// comma-separated, without newline.
func (g *Generator) AppendCSV(b []byte) []byte {
	c := g.Next(g.x[:])
	b = strconv.AppendInt(b, int64(c), 10)
	for _, v := range g.x {
		b = strconv.AppendInt(append(b, ','), int64(v), 10)
	}
	return b
}

// FeatureNames returns the column names "p0" … "p783".
func FeatureNames() []string {
	names := make([]string, Features)
	for i := range names {
		names[i] = "p" + strconv.Itoa(i)
	}
	return names
}
