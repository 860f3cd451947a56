package integration

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

const (
	e2eRows       = 20000
	e2eSensors    = 40
	e2ePartitions = 4
)

// TestTwoInstancesMatchOne runs a pipeline with two instances in one group
// on 4-partition topics and checks that every input row got exactly one
// prediction per model, and that the per-entity models end with weights
// bit-for-bit equal to those of a single-instance run on the same input.
func TestTwoInstancesMatchOne(t *testing.T) {
	brokers := cluster(t)
	input := unique("sensors")
	adm := admin(t, brokers)
	if err := operations.CreateTopic(context.Background(), adm, input, e2ePartitions, 1); err != nil {
		t.Fatal(err)
	}
	keys, values := sensorCSV(e2eRows, e2eSensors, 1)
	produceRecords(t, brokers, input, keys, values)

	two := runPipeline(t, brokers, unique("two"), input, 2)
	one := runPipeline(t, brokers, unique("one"), input, 1)

	n := 0
	for key, a := range one {
		if a.Model != "per_sensor" {
			continue
		}
		n++
		b, ok := two[key]
		if !ok {
			t.Errorf("key %s: missing in the two-instance run", key)
			continue
		}
		if a.Rows != b.Rows {
			t.Errorf("key %s: rows %d (one instance) vs %d (two)", key, a.Rows, b.Rows)
		}
		wa, wb := a.Learner.Weights(), b.Learner.Weights()
		for i := range wa {
			if math.Float64bits(wa[i]) != math.Float64bits(wb[i]) {
				t.Errorf("key %s: weight %d: %v (one instance) vs %v (two)", key, i, wa[i], wb[i])
				break
			}
		}
	}
	if n != e2eSensors {
		t.Errorf("per-sensor models: %d, want %d", n, e2eSensors)
	}
}

// runPipeline runs a fresh pipeline with the given number of instances
// until every row has a prediction from every model, checks there is exactly
// one per row, stops it and returns its table.
func runPipeline(t *testing.T, brokers []string, name, input string, instances int) map[string]*table.ModelState {
	t.Helper()
	p, err := topology.Build(sensorConfig(name, input, e2ePartitions))
	if err != nil {
		t.Fatal(err)
	}
	if err := operations.EnsureTopics(context.Background(), admin(t, brokers), p); err != nil {
		t.Fatal(err)
	}
	var ins []*instance
	for i := 0; i < instances; i++ {
		ins = append(ins, start(t, p, brokers, name))
	}
	seen := predictions(t, brokers, p, e2eRows, 3*time.Minute, ins...)
	for _, in := range ins {
		in.stop()
	}
	for model, ids := range seen {
		if len(ids) != e2eRows {
			t.Fatalf("%s: model %s predicted %d distinct rows, want %d", name, model, len(ids), e2eRows)
		}
		for id, c := range ids {
			if c != 1 {
				t.Errorf("%s: model %s: row %s predicted %d times", name, model, id, c)
				break
			}
		}
	}
	return tableStates(t, brokers, p)
}
