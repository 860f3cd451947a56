package processors

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
)

func TestScoreRows(t *testing.T) {
	s, specs := scoreFixture(t)
	row := func(i int32, entity string, x ...float64) input.Row {
		return input.Row{Index: i, Features: x, Entity: entity}
	}
	type want struct {
		key          string
		version, id  int64
		reasonPrefix string
		scored       bool
	}
	tests := []struct {
		name  string
		d     Deployment
		setup func(*mapTables)
		rows  []input.Row
		want  []want
	}{
		{name: "latest, nothing learned", d: Deployment{Model: "g", State: table.StateLatest},
			rows: []input.Row{row(0, "", 1, 2)},
			want: []want{{key: "g", reasonPrefix: `no model state for key "g" yet`}}},
		{name: "latest", d: Deployment{Model: "g", State: table.StateLatest},
			setup: func(m *mapTables) { m.states["g"] = trained(t, specs["g"], "g", 50) },
			rows:  []input.Row{row(0, "", 1, 2), row(1, "", 1), row(2, "", 0, 0)},
			want: []want{{key: "g", version: 50, scored: true}, {reasonPrefix: "row 1: 1 features, want 2"},
				{key: "g", version: 50, scored: true}}},
		{name: "pinned", d: Deployment{Model: "g", State: table.StatePinned},
			setup: func(m *mapTables) { m.regs["g"] = registry(t, specs["g"], "g", []int{10, 20, 30}, 2) },
			rows:  []input.Row{row(0, "", 1, 2)},
			want:  []want{{key: "g", version: 20, id: 2, scored: true}}},
		{name: "per entity", d: Deployment{Model: "per", State: table.StateLatest},
			setup: func(m *mapTables) { m.states["per/a"] = trained(t, specs["per"], "per/a", 7) },
			rows:  []input.Row{row(0, "a", 1, 2), row(1, "", 1, 2), row(2, "b", 1, 2)},
			want: []want{{key: "per/a", version: 7, scored: true}, {reasonPrefix: `model per: row 1 has an empty "sensor"`},
				{key: "per/b", reasonPrefix: `no model state for key "per/b" yet`}}},
		{name: "override", d: Deployment{Name: "latest", Model: "g", State: table.StateLatest},
			setup: func(m *mapTables) {
				m.states["g2"] = trained(t, specs["g2"], "g2", 9)
				m.overrides["latest"] = &table.ServingOverride{Model: "g2"}
			},
			rows: []input.Row{row(0, "", 1, 2)},
			want: []want{{key: "g2", version: 9, scored: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tables := newMapTables()
			if tc.setup != nil {
				tc.setup(tables)
			}
			got, err := s.ScoreRows(tables, tc.d, tc.rows)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.Key != w.key || g.Version != w.version || g.VersionID != w.id || (g.Reason == "") != w.scored ||
					len(g.Reason) < len(w.reasonPrefix) || g.Reason[:len(w.reasonPrefix)] != w.reasonPrefix {
					t.Errorf("row %d: got %+v, want %+v", i, g, w)
				}
				if w.scored && len(g.Scores) != 1 {
					t.Errorf("row %d: %d scores, want 1", i, len(g.Scores))
				}
				if w.scored != (g.Predicted != nil) {
					t.Errorf("row %d: scored %v, predicted %v", i, w.scored, g.Predicted)
				}
			}
		})
	}
}
