package table

import (
	"errors"
	"reflect"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

func TestPendingRoundTrip(t *testing.T) {
	feats := &wire.Features{ID: "e1", Source: wire.Source{Topic: "in", Partition: 2, Offset: 9}, Index: 1,
		Values: []float64{0.5, -1}, Keys: []wire.ModelKey{{Model: "lr", Key: "lr"}, {Model: "pe", Key: "pe/7"}}}
	src := wire.Source{Topic: "p.features", Partition: 2, Offset: 41}
	lab := wire.Source{Topic: "labels", Partition: 2, Offset: 3}
	for name, p := range map[string]*Pending{
		"features": {Features: feats, FeaturesSource: src, SinceMillis: 1700000000000, SinceRow: 41,
			Predictions: []Predicted{{Model: "lr", Key: "lr", Version: 12, Scores: []float64{0.25}}, {Model: "pe", Key: "pe/7", Scores: []float64{0.1, 0.9}}}},
		"label first": {HasLabel: true, Label: 1, LabelSource: lab, SinceMillis: 5, SinceRow: -1},
		"done": {Features: feats, FeaturesSource: src, Predictions: []Predicted{{Model: "lr", Key: "lr", Scores: []float64{0.5}}},
			HasLabel: true, Label: 0, LabelSource: lab, Done: true, Trigger: lab, SinceMillis: 7, SinceRow: 50},
		"tombstone": {Expired: true, SinceMillis: 9, SinceRow: 60},
	} {
		t.Run(name, func(t *testing.T) {
			data, err := PendingCodec{}.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := PendingCodec{}.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("got %+v, want %+v", got, p)
			}
			for n := range len(data) {
				if _, err := DecodePending(data[:n]); !errors.Is(err, ErrStateCorrupt) {
					t.Fatalf("prefix %d: %v", n, err)
				}
			}
		})
	}
}

func FuzzPending(f *testing.F) {
	f.Add((&Pending{HasLabel: true, Label: 1, Predictions: []Predicted{{Model: "m", Scores: []float64{1}}}}).AppendBinary(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePending(data)
		if err != nil {
			return
		}
		// Invariant: what decodes, re-encoded, decodes to the same value.
		again, err := DecodePending(p.AppendBinary(nil))
		if err != nil || !reflect.DeepEqual(again, p) && !hasNaN(p) {
			t.Fatalf("round trip of %+v: %v, %+v", p, err, again)
		}
	})
}

func hasNaN(p *Pending) bool {
	nan := p.Label != p.Label
	for _, pr := range p.Predictions {
		for _, s := range pr.Scores {
			nan = nan || s != s
		}
	}
	if p.Features != nil {
		for _, v := range p.Features.Values {
			nan = nan || v != v
		}
	}
	return nan
}
