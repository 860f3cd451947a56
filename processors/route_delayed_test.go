package processors

import (
	"slices"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TestFeaturesOf: with delayed labels each routed row becomes one
// Features, keyed by its example id, with the model keys route gave it;
// what is left of the batches counts the dead-lettered rows, once per key.
func TestFeaturesOf(t *testing.T) {
	r := newRoute(t, input.Spec{Columns: []string{"sensor", "x"}, Features: []string{"x"}, KeyColumn: "sensor"}, 1,
		regressionSpec("per", "sensor", 1), ModelSpec{Name: "all", Shards: 1, Model: regressionSpec("", "", 1).Model})
	r.FeaturesTopic = "p.features"
	src := wire.Source{Topic: "in", Partition: 1, Offset: 9}
	for _, tc := range []struct {
		name, key, value string
		ids              []string
		keys             [][]string // model keys per row
		dead             []string   // substrings of the dead letters' reasons
		invalid          int32      // rows counted on the batches left
	}{
		{name: "one row", key: "e1", value: "a,1", ids: []string{"e1"}, keys: [][]string{{"per/a", "all"}}},
		{name: "rows", key: "e2", value: "a,1\nb,2\n", ids: []string{"e2/0", "e2/1"}, keys: [][]string{{"per/a", "all"}, {"per/b", "all"}}},
		{name: "bad row", key: "e3", value: "a,1\nb,x\n", ids: []string{"e3/0"}, keys: [][]string{{"per/a", "all"}}, dead: []string{"x"}, invalid: 1},
		{name: "no key", key: "", value: "a,1", dead: []string{input.ReasonNoID}, invalid: 2},
		{name: "empty entity", key: "e4", value: ",1", ids: []string{"e4"}, keys: [][]string{{"all"}}, dead: []string{`model per: row 0 has an empty "sensor"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := r.Step(src, []byte(tc.key), []byte(tc.value))
			feats := r.FeaturesOf(&out, tc.key, []byte(tc.value))
			var ids []string
			for i, f := range feats {
				ids = append(ids, f.ID)
				var keys []string
				for _, k := range f.Keys {
					keys = append(keys, k.Key)
				}
				if i < len(tc.keys) && !slices.Equal(keys, tc.keys[i]) {
					t.Errorf("row %s: keys %v, want %v", f.ID, keys, tc.keys[i])
				}
				if f.Source != src {
					t.Errorf("row %s: source %+v", f.ID, f.Source)
				}
			}
			if !slices.Equal(ids, tc.ids) {
				t.Errorf("ids %v, want %v", ids, tc.ids)
			}
			if len(out.Dead) != len(tc.dead) {
				t.Fatalf("dead letters %+v, want %q", out.Dead, tc.dead)
			}
			for i, d := range out.Dead {
				if !strings.Contains(d.Reason, tc.dead[i]) {
					t.Errorf("dead letter %q, want %q", d.Reason, tc.dead[i])
				}
			}
			var invalid int32
			for _, b := range out.Batches {
				if len(b.Rows) != 0 || b.Partial {
					t.Errorf("batch %+v left with rows", b)
				}
				invalid += b.Invalid
			}
			if invalid != tc.invalid {
				t.Errorf("invalid %d, want %d", invalid, tc.invalid)
			}
		})
	}
}

// TestFeaturesOfIDColumn: with input.id_column a row's id is its column,
// whatever the record's key, and a row without one is a bad row.
func TestFeaturesOfIDColumn(t *testing.T) {
	r := newRoute(t, input.Spec{Columns: []string{"id", "x"}, Features: []string{"x"}, IDColumn: "id"}, 1, binarySpec("m", 1))
	r.FeaturesTopic = "p.features"
	for _, key := range []string{"", "k"} {
		out := r.Step(wire.Source{Topic: "in"}, []byte(key), []byte("e1,1\ne2,2\n,3\n"))
		var ids []string
		for _, f := range r.FeaturesOf(&out, key, nil) {
			ids = append(ids, f.ID)
		}
		if !slices.Equal(ids, []string{"e1", "e2"}) || len(out.Dead) != 1 || !strings.Contains(out.Dead[0].Reason, input.ReasonNoID) {
			t.Errorf("key %q: ids %v, dead letters %+v", key, ids, out.Dead)
		}
	}
}
