package processors

import (
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

func newRoute(t *testing.T, spec input.Spec, features int, models ...ModelSpec) *Route {
	t.Helper()
	dec, err := input.NewDecoder(spec)
	if err != nil {
		t.Fatal(err)
	}
	r := &Route{Decoder: dec, Models: models, Features: features, Partitions: 4}
	r.Init()
	return r
}

func TestRouteStep(t *testing.T) {
	global := newRoute(t, input.Spec{Columns: []string{"a", "b"}, Label: input.LabelFromKey}, 2, binarySpec("m", 2))
	entity := newRoute(t, input.Spec{Columns: []string{"sensor", "y", "x"}, Features: []string{"x"},
		Label: input.LabelFromColumn, LabelColumn: "y", KeyColumn: "sensor"}, 1,
		regressionSpec("per", "sensor", 1), ModelSpec{Name: "all", Shards: 1, Model: regressionSpec("", "", 1).Model})
	tests := []struct {
		name       string
		r          *Route
		key, value string
		keys       []string // batch keys, in order
		rows       []int    // rows per batch
		dead       []string // substrings of the dead-letter reasons
		invalid    int32    // counted on the first global batch
	}{
		{"one row", global, "1", "1,2", []string{"m"}, []int{1}, nil, 0},
		{"three rows", global, "0", "1,2\n3,4\n5,6\n", []string{"m"}, []int{3}, nil, 0},
		{"bad number", global, "1", "1,x", []string{"m"}, []int{0}, []string{"x"}, 1},
		{"short row", global, "1", "1,2\n3\n", []string{"m"}, []int{1}, []string{""}, 1},
		{"NaN", global, "1", "NaN,1", []string{"m"}, []int{0}, []string{"NaN"}, 1},
		{"no label", global, "", "1,2", []string{"m"}, []int{0}, []string{""}, 1},
		{"entities", entity, "", "a,1,1\nb,2,2\na,3,3", []string{"per/a", "per/b", "all"}, []int{2, 1, 3}, nil, 0},
		// Refused by the per-entity model only: the global one learns it.
		{"empty entity", entity, "", ",1,1", []string{"all"}, []int{1}, []string{`model per: row 0 has an empty "sensor"`}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.r.Step(wire.Source{Topic: "in", Partition: 1, Offset: 9}, []byte(tt.key), []byte(tt.value))
			if len(out.Batches) != len(tt.keys) {
				t.Fatalf("batches %d, want %d: %+v", len(out.Batches), len(tt.keys), out.Batches)
			}
			for i, b := range out.Batches {
				if b.Key != tt.keys[i] || len(b.Rows) != tt.rows[i] || b.Source.Offset != 9 {
					t.Errorf("batch %d: key %q rows %d, want %q and %d", i, b.Key, len(b.Rows), tt.keys[i], tt.rows[i])
				}
			}
			if len(out.Dead) != len(tt.dead) {
				t.Fatalf("dead letters %d, want %d: %+v", len(out.Dead), len(tt.dead), out.Dead)
			}
			for i, d := range out.Dead {
				if !strings.Contains(d.Reason, tt.dead[i]) || d.Offset != 9 || d.Topic != "in" {
					t.Errorf("dead letter %+v, want reason containing %q", d, tt.dead[i])
				}
			}
			if out.Batches[0].Invalid != tt.invalid {
				t.Errorf("invalid %d, want %d", out.Batches[0].Invalid, tt.invalid)
			}
		})
	}
}

func TestRouteShardsDeterministic(t *testing.T) {
	spec := binarySpec("m", 1)
	spec.Shards = 4
	r := newRoute(t, input.Spec{Columns: []string{"a"}, Label: input.LabelFromKey}, 1, spec)
	seen := map[string]bool{}
	for off := int64(0); off < 200; off++ {
		src := wire.Source{Topic: "in", Offset: off}
		a := r.Step(src, []byte("1"), []byte("1"))
		b := r.Step(src, []byte("1"), []byte("1"))
		if a.Batches[0].Key != b.Batches[0].Key {
			t.Fatalf("offset %d routed to %q then %q", off, a.Batches[0].Key, b.Batches[0].Key)
		}
		seen[a.Batches[0].Key] = true
	}
	if len(seen) != 4 {
		t.Errorf("rows went to %d shards, want 4", len(seen))
	}
}

func TestShardOfDeterministicAndSpread(t *testing.T) {
	counts := make([]int, 4)
	for off := int64(0); off < 4000; off++ {
		s := shardOf(1, off, 0, 4)
		if s != shardOf(1, off, 0, 4) {
			t.Fatal("not deterministic")
		}
		counts[s]++
	}
	for i, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("shard %d got %d of 4000 rows", i, c)
		}
	}
}
