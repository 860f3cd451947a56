package wire

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
)

// gen makes random messages with the awkward values encoders get wrong:
// empty and escaped strings, extreme integers, NaN, ±Inf, -0, tiny and huge
// floats.
type gen struct {
	r *rand.Rand
	// utf8Only limits strings to valid UTF-8 (JSON cannot carry anything else).
	utf8Only bool
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, 7))} }

var (
	awkwardStrings = []string{"", "a", "sensor-17", `q"uo\te`, "tab\tnl\nnul\x00", "ünïcödé ✓", "\u2028\u2029", "<&>", strings.Repeat("x", 200)}
	invalidUTF8    = []string{"\xff", "a\xc3", "\xed\xa0\x80"}
	awkwardFloats  = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e21, 1e20, 1e-6, 1e-7, 123456789.125, math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.MaxFloat64, math.Pi, math.NaN(), math.Inf(1), math.Inf(-1)}
	awkwardLongs = []int64{0, 1, -1, 63, 64, -64, -65, 127, 128, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
)

func (g *gen) str() string {
	if !g.utf8Only && g.r.IntN(10) == 0 {
		return invalidUTF8[g.r.IntN(len(invalidUTF8))]
	}
	return awkwardStrings[g.r.IntN(len(awkwardStrings))]
}

func (g *gen) long() int64 {
	if g.r.IntN(2) == 0 {
		return awkwardLongs[g.r.IntN(len(awkwardLongs))]
	}
	return g.r.Int64N(1<<40) - 1<<39
}

func (g *gen) int() int32 {
	if g.r.IntN(2) == 0 {
		return int32(awkwardLongs[g.r.IntN(11)]) // the ones that fit an int32
	}
	return g.r.Int32N(1<<20) - 1<<19
}

func (g *gen) float() float64 {
	if g.r.IntN(3) == 0 {
		return awkwardFloats[g.r.IntN(len(awkwardFloats))]
	}
	return g.r.NormFloat64() * math.Pow(10, float64(g.r.IntN(20)-10))
}

func (g *gen) floats(max int) []float64 {
	n := g.r.IntN(max + 1)
	if n == 0 && g.r.IntN(2) == 0 {
		return nil
	}
	fs := make([]float64, n)
	for i := range fs {
		fs[i] = g.float()
	}
	return fs
}

func (g *gen) bytes() []byte {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return []byte{}
	case 2:
		return []byte(g.str())
	}
	p := make([]byte, g.r.IntN(40))
	for i := range p {
		p[i] = byte(g.r.UintN(256))
	}
	return p
}

func (g *gen) exampleBatch(maxRows, maxFeatures int) ExampleBatch {
	eb := ExampleBatch{
		Source:  Source{Topic: g.str(), Partition: g.int(), Offset: g.long()},
		Model:   g.str(),
		Key:     g.str(),
		Invalid: g.int(),
	}
	// Half the batches have rows of one width, some of them integers (the
	// rows written as integer_features).
	width := -1
	if g.r.IntN(2) == 0 {
		width = 1 + g.r.IntN(maxFeatures)
	}
	for i := range g.r.IntN(maxRows + 1) {
		row := Row{Index: int32(i), Offset: eb.Source.Offset + int64(g.r.IntN(1000)), Features: g.floats(maxFeatures)}
		if width > 0 {
			row.Features = g.integerRow(width)
		}
		if g.r.IntN(3) > 0 {
			row.Label, row.HasLabel = g.float(), true
		}
		eb.Rows = append(eb.Rows, row)
	}
	return eb
}

// integerRow is a row of n features that are mostly integers a long holds
// exactly (pixels, counts, the extremes), sometimes with one that is not.
func (g *gen) integerRow(n int) []float64 {
	fs := make([]float64, n)
	for i := range fs {
		switch g.r.IntN(8) {
		case 0:
			fs[i] = []float64{maxExactInt, -maxExactInt, -1, 1e15}[g.r.IntN(4)]
		case 1: // the edges of the one-, two- and three-byte longs
			fs[i] = []float64{63, 64, -64, -65, 8191, 8192, -8192, -8193}[g.r.IntN(8)]
		default:
			fs[i] = float64(g.r.IntN(256))
		}
	}
	if g.r.IntN(3) == 0 {
		fs[g.r.IntN(n)] = g.float() // usually no integer: the row stays doubles
	}
	return fs
}

func (g *gen) prediction() Prediction {
	p := Prediction{
		ID: g.str(), Topic: g.str(), Partition: g.int(), Offset: g.long(), Index: g.int(),
		Model: g.str(), Key: g.str(), Version: g.long(), Scores: g.floats(5), Predicted: g.float(),
	}
	if g.r.IntN(3) > 0 {
		l := g.float()
		p.Label = &l
	}
	return p
}

func (g *gen) predictionBatch(max int) PredictionBatch {
	var pb PredictionBatch
	for range g.r.IntN(max + 1) {
		pb.Predictions = append(pb.Predictions, g.prediction())
	}
	return pb
}

func (g *gen) metricSnapshot() MetricSnapshot {
	m := MetricSnapshot{
		Model: g.str(), Key: g.str(), Version: g.long(), Rows: g.long(), Invalid: g.long(), Window: g.long(),
		SourceTopic: g.str(), SourcePartition: g.int(), SourceOffset: g.long(),
	}
	for range g.r.IntN(5) {
		m.Metrics = append(m.Metrics, Metric{Name: g.str(), Value: g.float()})
	}
	return m
}

func (g *gen) event() Event {
	e := Event{ID: g.str(), Model: g.str(), Key: g.str(), Kind: g.str(), Row: g.long(),
		Topic: g.str(), Partition: g.int(), Offset: g.long(), Index: g.int()}
	for range g.r.IntN(5) {
		e.Stats = append(e.Stats, Metric{Name: g.str(), Value: g.float()})
	}
	return e
}

func (g *gen) deadLetter() DeadLetter {
	return DeadLetter{Topic: g.str(), Partition: g.int(), Offset: g.long(), Index: g.int(),
		Key: g.bytes(), Value: g.bytes(), Reason: g.str(),
		KeySize: g.long(), KeySHA256: g.bytes(), ValueSize: g.long(), ValueSHA256: g.bytes(), Truncated: g.r.IntN(2) == 1}
}

func (g *gen) exportedModel() ExportedModel {
	s := ExportedModel{Model: g.str(), Key: g.str(), ConfigHash: g.str(), Version: g.long(), Rows: g.long(),
		ModelBytes: g.bytes(), MetricsBytes: g.bytes()}
	for range g.r.IntN(4) {
		s.Watermarks = append(s.Watermarks, Watermark{Topic: g.str(), Partition: g.int(), Offset: g.long()})
	}
	return s
}

// same reports whether a and b hold the same data: floats equal bit for bit
// or both NaN, nil and empty slices alike, pointers compared by target.
func same(a, b any) bool { return sameValue(reflect.ValueOf(a), reflect.ValueOf(b)) }

func sameValue(a, b reflect.Value) bool {
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Float64:
		x, y := a.Float(), b.Float()
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}

// afterJSON is what a value looks like after a trip through its JSON
// encoding: ±Inf become NaN (both are written null), a NaN label is no label.
func afterJSON(v any) any {
	switch v := v.(type) {
	case PredictionBatch:
		out := PredictionBatch{}
		for _, p := range v.Predictions {
			p.Scores = append([]float64(nil), p.Scores...)
			for i := range p.Scores {
				p.Scores[i] = infToNaN(p.Scores[i])
			}
			p.Predicted = infToNaN(p.Predicted)
			if p.Label != nil && (math.IsNaN(*p.Label) || math.IsInf(*p.Label, 0)) {
				p.Label = nil
			}
			out.Predictions = append(out.Predictions, p)
		}
		return out
	case MetricSnapshot:
		v.Metrics = append([]Metric(nil), v.Metrics...)
		for i := range v.Metrics {
			v.Metrics[i].Value = infToNaN(v.Metrics[i].Value)
		}
		return v
	case Event:
		v.Stats = append([]Metric(nil), v.Stats...)
		for i := range v.Stats {
			v.Stats[i].Value = infToNaN(v.Stats[i].Value)
		}
		return v
	}
	return v
}

func infToNaN(f float64) float64 {
	if math.IsInf(f, 0) {
		return math.NaN()
	}
	return f
}

// normalizeRows clears the labels of unlabelled rows: they are not encoded.
func normalizeRows(eb ExampleBatch) ExampleBatch {
	eb.Rows = append([]Row(nil), eb.Rows...)
	for i := range eb.Rows {
		if !eb.Rows[i].HasLabel {
			eb.Rows[i].Label = 0
		}
	}
	return eb
}
