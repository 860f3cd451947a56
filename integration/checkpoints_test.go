package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/schemas"
	"github.com/streamsgd/streamsgd/topology"
)

const (
	ckptRows    = 3000
	ckptFirst   = 2000 // rows before the pin
	ckptSensors = 4
	ckptKeep    = 3 // of the global model
)

func checkpointYAML(name, input string) string {
	return fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [sensor, y, x0, x1, x2]
  features: [x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: per_sensor
    task: regression
    key: sensor
    optimizer: {name: sgd, learning_rate: 0.05}
    metrics: {window: 100, buckets: 5, emit_every: 50}
    checkpoints: {every_rows: 150, every_seconds: 3600, keep: 2}
  - name: global
    task: regression
    optimizer: {name: adam, learning_rate: 0.01}
    metrics: {window: 500, buckets: 5, emit_every: 500}
    checkpoints: {every_rows: 400, every_seconds: 2, keep: %d}
`, name, input, ckptKeep)
}

// TestCheckpoints runs a pipeline with small checkpoint intervals and
// checks the registry through the code of `streamsgd models`: versions with
// increasing rows, retention of the last Keep plus the pinned ones, pin and
// unpin applied by the running checkpoint group, a clear error for a
// version retention dropped, the time trigger versioning the last rows of
// a stream that stopped, and exports (JSON, Avro read back with goavro and
// schemas/) whose weights are the learn table's at that version.
func TestCheckpoints(t *testing.T) {
	brokers, compacts := clusterWithoutCompaction(t)
	name, input := unique("ckpt"), unique("ckpt-in")
	ctx := context.Background()
	if err := operations.CreateTopic(ctx, admin(t, brokers), input, 2, 1); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(checkpointYAML(name, input)), name+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := operations.EnsureTopics(ctx, admin(t, brokers), p); err != nil {
		t.Fatal(err)
	}
	keys, values := sensorCSV(ckptRows, ckptSensors, 3)
	produceRecords(t, brokers, input, keys[:ckptFirst], values[:ckptFirst])
	in := start(t, p, brokers, name)
	c, err := registry.New(p, brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// The time trigger (2 s) versions the last rows once the stream stops.
	regs := awaitRegistry(t, c, in, "global", ckptFirst)
	checkVersions(t, p, regs)
	global := regs["global"]
	if global.LastID < ckptKeep+1 || len(global.Versions) != ckptKeep {
		t.Fatalf("global: %d versions kept of %d made, want %d kept of more", len(global.Versions), global.LastID, ckptKeep)
	}
	if n := len(regs); n != ckptSensors+1 {
		t.Errorf("%d keys in the registry, want %d", n, ckptSensors+1)
	}

	// Pin the oldest kept version; a dropped one cannot be pinned.
	oldest := global.Versions[0].ID
	res, err := c.Pin(ctx, "global", oldest, table.OpPin, 30*time.Second)
	if err != nil || !res.OK {
		t.Fatalf("pin %d: %+v %v", oldest, res, err)
	}
	if _, err := c.Pin(ctx, "global", oldest-1, table.OpPin, 30*time.Second); !errors.Is(err, registry.ErrNoVersion) || !strings.Contains(err.Error(), "kept:") {
		t.Errorf("pin of a dropped version: %v", err)
	}
	if _, err := c.Pin(ctx, "global", global.LastID+5, table.OpPin, 30*time.Second); !errors.Is(err, registry.ErrNoVersion) {
		t.Errorf("pin of a future version: %v", err)
	}

	// More rows: the pinned version outlives retention.
	produceRecords(t, brokers, input, keys[ckptFirst:], values[ckptFirst:])
	regs = awaitRegistry(t, c, in, "global", ckptRows)
	checkVersions(t, p, regs)
	global = regs["global"]
	if len(global.Versions) != ckptKeep+1 || global.Versions[0].ID != oldest || !global.Versions[0].Pinned || global.Pinned().ID != oldest {
		t.Fatalf("after more rows: kept %s, pinned %v; want %d pinned and the last %d", global.IDs(), global.Pinned(), oldest, ckptKeep)
	}

	// Exports of the pinned and the newest version, and weights against
	// the learn table's history.
	history := learnHistory(t, brokers, p)
	for _, v := range []*table.Version{global.Pinned(), global.Latest()} {
		checkExports(t, global, v, history)
	}
	matched, total := 0, 0
	for key, reg := range regs {
		for i := range reg.Versions {
			total++
			v := &reg.Versions[i]
			want, ok := history[key][v.Rows]
			if !ok {
				continue
			}
			matched++
			m, err := v.Restore()
			if err != nil {
				t.Fatal(err)
			}
			if !sameBits(m.Weights(), want) {
				t.Errorf("key %s version %d: weights differ from the learn table's at %d rows", key, v.ID, v.Rows)
			}
		}
	}
	t.Logf("%d of %d versions checked against the learn table's history; global kept %s", matched, total, global.IDs())
	if matched == 0 || (!compacts && matched != total) {
		t.Errorf("%d of %d versions found in the learn table's history", matched, total)
	}

	// Unpin: retention drops it at once.
	res, err = c.Pin(ctx, "global", oldest, table.OpUnpin, 30*time.Second)
	if err != nil || !strings.Contains(res.Message, "dropped") {
		t.Fatalf("unpin: %+v %v", res, err)
	}
	reg, err := c.Registry(ctx, "global")
	if err != nil || reg.Version(oldest) != nil || len(reg.Versions) != ckptKeep || reg.Pinned() != nil {
		t.Fatalf("after unpin: kept %s, %v", reg.IDs(), err)
	}
}

// clusterWithoutCompaction is cluster(t), with an embedded broker that
// does not compact (so that the learn table keeps every state). The bool
// says whether the cluster may compact.
func clusterWithoutCompaction(t *testing.T) ([]string, bool) {
	t.Helper()
	if os.Getenv("STREAMSGD_BROKERS") != "" {
		return cluster(t), true
	}
	b, err := broker.Start(broker.Options{CompactionInterval: "3600000"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addrs(), false
}

// awaitRegistry reads the registry until key's newest version has rows
// learned (and every key has one), and returns it.
func awaitRegistry(t *testing.T, c *registry.Client, in *instance, key string, rows int64) map[string]*table.Registry {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var regs map[string]*table.Registry
	for time.Now().Before(deadline) {
		if in.failed() {
			t.FailNow()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var err error
		regs, err = c.Registries(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if v := regs[key].Latest(); v != nil && v.Rows == rows {
			return regs
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("key %s: no version of %d rows within 60s; newest %+v", key, rows, regs[key].Latest())
	return nil
}

// checkVersions checks every registry: IDs and rows increase, the newest
// ID is the last made, retention keeps at most keep unpinned ones, and the
// config hash is the config's.
func checkVersions(t *testing.T, p *topology.Pipeline, regs map[string]*table.Registry) {
	t.Helper()
	for key, reg := range regs {
		spec := p.Specs[reg.Model]
		if reg.Skipped != 0 || reg.Key != key || len(reg.Versions) == 0 {
			t.Errorf("key %s: registry %+v", key, reg)
			continue
		}
		unpinned := 0
		for i, v := range reg.Versions {
			if i > 0 && (v.ID <= reg.Versions[i-1].ID || v.Rows <= reg.Versions[i-1].Rows) {
				t.Errorf("key %s: version %d (%d rows) after %d (%d rows)", key, v.ID, v.Rows, reg.Versions[i-1].ID, reg.Versions[i-1].Rows)
			}
			if v.ConfigHash != spec.ConfigHash || len(v.Metrics) != 3 {
				t.Errorf("key %s version %d: hash %s metrics %v", key, v.ID, v.ConfigHash, v.Metrics)
			}
			if !v.Pinned {
				unpinned++
			}
		}
		if unpinned > spec.Checkpoint.Keep || reg.Latest().ID != reg.LastID {
			t.Errorf("key %s: kept %s (last %d), keep %d", key, reg.IDs(), reg.LastID, spec.Checkpoint.Keep)
		}
	}
}

// checkExports exports v as `streamsgd models export` does, in JSON and
// Avro, and checks both read back to the version and the learn table.
func checkExports(t *testing.T, reg *table.Registry, v *table.Version, history map[string]map[int64][]float64) {
	t.Helper()
	e, err := registry.NewExport(reg, v)
	if err != nil {
		t.Fatal(err)
	}
	var js, av bytes.Buffer
	if err := registry.Write(&js, e, registry.FormatJSON); err != nil {
		t.Fatal(err)
	}
	if err := registry.Write(&av, e, registry.FormatAvro); err != nil {
		t.Fatal(err)
	}
	var fromJSON registry.Export
	if err := json.Unmarshal(js.Bytes(), &fromJSON); err != nil {
		t.Fatal(err)
	}
	native := readModelVersion(t, av.Bytes())
	params := native["params"].(map[string]any)
	avroWeights := append(floatsOf(params["weights"]), floatsOf(params["biases"])...)
	jsonWeights := append(slices.Clone(fromJSON.Params.Weights), fromJSON.Params.Biases...)
	switch {
	case native["version"].(int64) != v.ID || fromJSON.Version != v.ID:
		t.Errorf("version %d exported as %v (avro) and %d (json)", v.ID, native["version"], fromJSON.Version)
	case native["rows"].(int64) != v.Rows || fromJSON.Rows != v.Rows || native["pinned"].(bool) != v.Pinned:
		t.Errorf("version %d: rows %d exported as %v and %d", v.ID, v.Rows, native["rows"], fromJSON.Rows)
	case !bytes.Equal(params["state"].([]byte), v.State) || !bytes.Equal(fromJSON.Params.State, v.State):
		t.Errorf("version %d: the learner state differs in the exports", v.ID)
	case !sameBits(avroWeights, jsonWeights):
		t.Errorf("version %d: Avro and JSON weights differ", v.ID)
	}
	if want, ok := history[reg.Key][v.Rows]; ok && !sameBits(avroWeights, want) {
		t.Errorf("version %d: exported weights %v, the learn table had %v at %d rows", v.ID, avroWeights, want, v.Rows)
	}
}

// readModelVersion reads an exported Avro file with goavro, checking that
// its schema is schemas/model_version.avsc.
func readModelVersion(t *testing.T, data []byte) map[string]any {
	t.Helper()
	text, err := schemas.Schema(schemas.ModelVersion)
	if err != nil {
		t.Fatal(err)
	}
	want, err := goavro.NewCodec(text)
	if err != nil {
		t.Fatal(err)
	}
	r, err := goavro.NewOCFReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.Codec().CanonicalSchema() != want.CanonicalSchema() {
		t.Fatalf("exported schema %s", r.Codec().Schema())
	}
	if !r.Scan() {
		t.Fatalf("no record: %v", r.Err())
	}
	v, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

func floatsOf(v any) []float64 {
	var out []float64
	for _, f := range v.([]any) {
		out = append(out, f.(float64))
	}
	return out
}

func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// learnHistory reads the learn table's changelog to its end: the weights
// of every state it holds, by key and rows learned.
func learnHistory(t *testing.T, brokers []string, p *topology.Pipeline) map[string]map[int64][]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := map[string]map[int64][]float64{}
	err := operations.ScanTable(ctx, brokers, nil, string(p.Topics.LearnTable), func(r *kgo.Record) error {
		if r.Value == nil {
			return nil
		}
		v, err := p.StateCodec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode state %q: %w", r.Key, err)
		}
		st := v.(*table.ModelState)
		if out[st.Key] == nil {
			out[st.Key] = map[int64][]float64{}
		}
		out[st.Key][st.Rows] = st.Learner.Weights()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
