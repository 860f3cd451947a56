package processors

import (
	"slices"
	"strconv"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// emitFeatures takes the rows out of out's batches and emits them to the
// features topic, keyed by example id (FeaturesOf); the batches keep
// their dead-lettered rows' counts for the learner. It returns the rows
// sent, once per model key (as route counts rows in batches).
func (r *Route) emitFeatures(ctx goka.Context, out *RouteOutput, key string, value []byte) int {
	n := 0
	for _, f := range r.FeaturesOf(out, key, value) {
		ctx.Emit(r.FeaturesTopic, f.ID, f)
		n += len(f.Keys)
	}
	return n
}

// FeaturesOf turns the rows of a routed record (out, from StepInto) into
// Features, one per row with the model keys route gave it, in row order,
// and empties out's batches of their rows, dropping the batches left with
// nothing to count. value is the record's value (for dead letters). The
// example id of a row is its id column (input.id_column: the decoder
// dead-letters a row without one), else the record's key, or
// "<key>/<index>" when the record has more than one row; then a record
// without a key has no ids: its rows are dead-lettered
// (input.ReasonNoID).
func (r *Route) FeaturesOf(out *RouteOutput, key string, value []byte) []*wire.Features {
	var feats []*wire.Features
	at := map[int32]int{} // row index -> place in feats
	for _, b := range out.Batches {
		for i := range b.Rows {
			row := &b.Rows[i]
			n, ok := at[row.Index]
			if !ok {
				n = len(feats)
				at[row.Index] = n
				feats = append(feats, &wire.Features{
					ID:     out.exampleID(key, row.Index),
					Source: wire.Source{Topic: b.Source.Topic, Partition: b.Source.Partition, Offset: row.Offset},
					Index:  row.Index, Values: slices.Clone(row.Features),
				})
			}
			feats[n].Keys = append(feats[n].Keys, wire.ModelKey{Model: b.Model, Key: b.Key})
		}
		if key == "" && len(out.ids) == 0 {
			b.Invalid += int32(len(b.Rows))
		}
		b.Rows = b.Rows[:0]
	}
	// What is left are counts of dead-lettered rows: one batch per key,
	// whole (a key's rows split over batches are gone).
	kept := out.Batches[:0]
	for _, b := range out.Batches {
		b.Partial = false
		if prev := findBatch(kept, b.Key); prev != nil {
			prev.Invalid += b.Invalid
		} else if b.Invalid > 0 {
			kept = append(kept, b)
		}
	}
	out.Batches = kept
	if key == "" && len(out.ids) == 0 {
		for _, f := range feats {
			out.Dead = append(out.Dead, r.deadLetter(f.Source, f.Index, nil, value,
				input.ReasonNoID+": the record has no key (delayed labels find their rows by it)"))
		}
		return nil
	}
	slices.SortFunc(feats, func(a, b *wire.Features) int { return int(a.Index - b.Index) })
	return feats
}

// exampleID is the example id of row index of the record of out: its
// id column, or the record's key (with "/<index>" in a record of several
// rows).
func (out *RouteOutput) exampleID(key string, index int32) string {
	if id, ok := out.ids[index]; ok {
		return id
	}
	if out.Decoded <= 1 {
		return key
	}
	return key + "/" + strconv.Itoa(int(index))
}
