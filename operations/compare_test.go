package operations

import (
	"slices"
	"testing"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/topology"
)

const compareYAML = `
name: c
input:
  topics: [in]
  columns: [sensor, y, x]
  features: [x]
  label: {from: column, column: y}
models:
  - name: per
    task: regression
    key: sensor
  - name: all
    task: regression
`

// encodedState is a state of model m at key that learned rows rows.
func encodedState(t *testing.T, p *topology.Pipeline, m, key string, rows int) []byte {
	t.Helper()
	spec := p.Specs[m]
	l, err := model.New(spec.Model)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if err := l.Learn([]float64{float64(i)}, float64(2*i)); err != nil {
			t.Fatal(err)
		}
	}
	w, err := metrics.NewWindow(spec.Window)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.StateCodec.Encode(&table.ModelState{Model: m, Key: key, Learner: l, Window: w, Rows: int64(rows)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompareTables(t *testing.T) {
	c, err := config.Parse([]byte(compareYAML), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	live := map[string][]byte{
		"all":   encodedState(t, p, "all", "all", 5),
		"per/a": encodedState(t, p, "per", "per/a", 3),
		"per/b": encodedState(t, p, "per", "per/b", 3),
		"per/c": encodedState(t, p, "per", "per/c", 1),
	}
	rebuilt := map[string][]byte{
		"all":   encodedState(t, p, "all", "all", 5),
		"per/a": encodedState(t, p, "per", "per/a", 3),
		"per/b": encodedState(t, p, "per", "per/b", 2),
		"per/d": encodedState(t, p, "per", "per/d", 1),
	}
	ms, err := compareTables(p, rebuilt, live, true)
	if err != nil {
		t.Fatal(err)
	}
	per, all := ms[0], ms[1]
	if all.Model != "all" || !all.Equal() || len(all.PerKey) != 1 || !all.PerKey[0].Identical || all.Rows != 5 {
		t.Errorf("global model: %+v", all)
	}
	if per.Equal() || per.Keys != 3 || per.LiveKeys != 3 || per.Identical != 1 || per.Differ != 1 ||
		per.OnlyRebuilt != 1 || per.OnlyLive != 1 || per.Rows != 6 || per.LiveRows != 7 || per.MaxAbsDiff <= 0 {
		t.Errorf("per-entity model: %+v", per)
	}
	var listed []string
	for _, k := range per.PerKey {
		listed = append(listed, k.Key)
	}
	if !slices.Equal(listed, []string{"per/b", "per/d", "per/c"}) {
		t.Errorf("listed keys %v, want the differing ones", listed)
	}
	// Without comparison: a summary of the rebuilt table.
	ms, err = compareTables(p, rebuilt, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Keys != 3 || len(ms[0].PerKey) != 0 || ms[1].Keys != 1 || len(ms[1].PerKey[0].Weights) != 2 {
		t.Errorf("summary: %+v", ms)
	}
	if _, err := compareTables(p, map[string][]byte{"x": []byte("junk")}, nil, false); err == nil {
		t.Error("a corrupt state: no error")
	}
}

func TestLocalTables(t *testing.T) {
	c, err := config.Parse([]byte(compareYAML), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	tables := LocalTables(p)
	want := LocalTable{Group: p.Topics.LearnGroup, Table: p.Topics.LearnTable, Kind: "group"}
	if !slices.Contains(tables, want) {
		t.Errorf("local tables %+v lack %+v", tables, want)
	}
	for _, lt := range tables {
		if lt.Table == "" || lt.Group == "" || lt.Table == goka.Table(p.Topics.Examples) {
			t.Errorf("local table %+v", lt)
		}
	}
}
