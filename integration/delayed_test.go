package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

// delayedYAML is a pipeline with delayed labels: features on input, each
// record keyed by its example id or (idColumn) with the id in its first
// column, labels keyed by the same id on labels; a per-entity model (the
// sensor column) and a global one.
func delayedYAML(name, input, labels string, partitions int, expireSeconds float64, idColumn bool) string {
	columns := "[sensor, x0, x1]"
	if idColumn {
		columns = "[id, sensor, x0, x1]\n  id_column: id"
	}
	return fmt.Sprintf(`
name: %s
partitions: %d
input:
  topics: [%s]
  columns: %s
  features: [x0, x1]
  labels:
    topic: %s
    expire_after: {seconds: %g}
models:
  - name: per_sensor
    key: sensor
    optimizer: {name: sgd, learning_rate: 0.1}
    metrics: {window: 100, buckets: 5, emit_every: 50}
  - name: global
    optimizer: {name: adam, learning_rate: 0.01}
    metrics: {window: 1000, buckets: 5, emit_every: 500}
`, name, partitions, input, columns, labels, expireSeconds)
}

// delayedStream is a stream of examples and of their labels, made so
// that every example of a sensor has an id of the same partition (the
// join's partition decides the order in which a sensor's labels reach
// its model, which a reference can then repeat).
type delayedStream struct {
	ids              []string
	fkeys, fvalues   [][]byte // features records
	feats            map[string][]float64
	lkeys, lvalues   [][]byte // label records, in the order produced
	early            int      // labels produced before the features
	sensorOf, labels map[string]string
	// learned: the ids whose first label is good and whose features
	// come, in the order their labels are produced; the others.
	learned                         []string
	missing, duplicates, bad, stray int
}

// With idColumn the features records are keyed by sensor (so that each
// sensor's are in one partition, in order) and hold the id in a column.
func makeDelayedStream(n, sensors, partitions int, seed uint64, idColumn bool) *delayedStream {
	r := rand.New(rand.NewPCG(seed, 11))
	s := &delayedStream{sensorOf: map[string]string{}, labels: map[string]string{}, feats: map[string][]float64{}}
	next := make([]int, sensors)
	for i := 0; i < n; i++ {
		e := r.IntN(sensors)
		id := ""
		for {
			id = fmt.Sprintf("s%02d-%06d", e, next[e])
			next[e]++
			if int(table.Partition(id, partitions)) == e%partitions {
				break
			}
		}
		x0, x1 := r.NormFloat64(), r.NormFloat64()
		y := 0
		if x0-float64(e%3)*x1+0.3*r.NormFloat64() > 0 {
			y = 1
		}
		sensor := fmt.Sprintf("s%02d", e)
		s.ids = append(s.ids, id)
		s.sensorOf[id], s.labels[id] = sensor, fmt.Sprint(y)
		s.feats[id] = []float64{x0, x1}
		if idColumn {
			s.fkeys = append(s.fkeys, []byte(sensor))
			s.fvalues = append(s.fvalues, []byte(fmt.Sprintf("%s,%s,%g,%g", id, sensor, x0, x1)))
			continue
		}
		s.fkeys = append(s.fkeys, []byte(id))
		s.fvalues = append(s.fvalues, []byte(fmt.Sprintf("%s,%g,%g", sensor, x0, x1)))
	}
	// Labels: shuffled; 5% never come (those examples expire); 3% come
	// twice (the second is a duplicate); 1% are bad and then good; 1% of
	// labels are for ids that never come (they expire).
	order := r.Perm(n)
	var lk, lv [][]byte
	for _, i := range order {
		id := s.ids[i]
		switch u := r.Float64(); {
		case u < 0.05:
			s.missing++
			continue
		case u < 0.08:
			lk, lv = append(lk, []byte(id), []byte(id)), append(lv, []byte(s.labels[id]), []byte("1"))
			s.duplicates++
		case u < 0.09:
			lk, lv = append(lk, []byte(id), []byte(id)), append(lv, []byte("not-a-label"), []byte(s.labels[id]))
			s.bad++
		default:
			lk, lv = append(lk, []byte(id)), append(lv, []byte(s.labels[id]))
		}
		s.learned = append(s.learned, id)
	}
	for i := 0; i < n/100; i++ {
		lk, lv = append(lk, []byte(fmt.Sprintf("stray-%d", i))), append(lv, []byte("1"))
		s.stray++
	}
	s.lkeys, s.lvalues = lk, lv
	// A tenth of the labels come before all features (never splitting the
	// records of one id).
	s.early = len(lk) / 10
	for s.early < len(lk) && string(lk[s.early]) == string(lk[s.early-1]) {
		s.early++
	}
	return s
}

// delayedCounts is what a delayed-label pipeline did, read from its
// topics and tables.
type delayedCounts struct {
	predicted map[string]int // distinct prediction ids per model
	learned   map[string]int64
	dead      map[string]int // dead letters by reason (its first words)
	waiting   int            // join entries neither done nor expired
	// expired are the ids of the examples that expired unlabeled.
	expired map[string]bool
}

func readDelayed(t *testing.T, brokers []string, p *topology.Pipeline) delayedCounts {
	t.Helper()
	c := delayedCounts{predicted: map[string]int{}, learned: map[string]int64{}, dead: map[string]int{}, expired: map[string]bool{}}
	seen := map[string]bool{}
	each(t, brokers, string(p.Topics.Predictions), func(r *kgo.Record) {
		v, err := p.PredictionCodec.Decode(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range v.(*wire.PredictionBatch).Predictions {
			if k := pr.Model + " " + pr.ID; !seen[k] {
				seen[k] = true
				c.predicted[pr.Model]++
			}
		}
	})
	each(t, brokers, string(p.Topics.DeadLetter), func(r *kgo.Record) {
		v, err := p.DeadLetterCodec.Decode(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		d := v.(*wire.DeadLetter)
		if k := fmt.Sprintf("%s/%d/%d/%d %s", d.Topic, d.Partition, d.Offset, d.Index, d.Reason); !seen[k] {
			seen[k] = true
			c.dead[deadKind(d.Reason)]++
			if deadKind(d.Reason) == input.ReasonExpired+": no label" {
				c.expired[string(d.Key)] = true
			}
		}
	})
	for _, st := range tableStates(t, brokers, p) {
		c.learned[st.Model] += st.Rows
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	entries := map[string]*table.Pending{}
	err := operations.ScanTable(ctx, brokers, nil, string(p.Topics.JoinTable), func(r *kgo.Record) error {
		if r.Value == nil {
			delete(entries, string(r.Key))
			return nil
		}
		e, err := table.DecodePending(r.Value)
		entries[string(r.Key)] = e
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Done && !e.Expired {
			c.waiting++
		}
	}
	return c
}

// deadKind classifies a dead letter's reason.
func deadKind(reason string) string {
	for _, k := range []string{input.ReasonExpired + ": no label", input.ReasonExpired + ": no features",
		input.ReasonDuplicateLabel, input.ReasonBadLabel, input.ReasonLateLabel, input.ReasonDuplicateID} {
		if strings.HasPrefix(reason, k) {
			return k
		}
	}
	return reason
}

// expect is what s must end in, once everything that waits has expired,
// given the ids that expired unlabeled. Which examples expire is
// wall-clock (README "Delayed labels"): an example whose label came later
// than expire_after is not learned, and its label records are then late
// (or, after its tombstone went, wait and expire, or are duplicates of
// such): those kinds are then only held to the balances.
func (s *delayedStream) expect(models []string, expired map[string]bool) (delayedCounts, int) {
	gone := 0
	for _, id := range s.learned {
		if expired[id] {
			gone++
		}
	}
	c := delayedCounts{predicted: map[string]int{}, learned: map[string]int64{}, dead: map[string]int{
		input.ReasonExpired + ": no label":    s.missing + gone,
		input.ReasonExpired + ": no features": s.stray,
		input.ReasonDuplicateLabel:            s.duplicates,
		input.ReasonBadLabel:                  s.bad,
	}}
	if gone > 0 {
		for _, k := range []string{input.ReasonExpired + ": no features", input.ReasonDuplicateLabel, input.ReasonLateLabel} {
			c.dead[k] = -1
		}
	}
	for _, m := range models {
		c.predicted[m] = len(s.ids)
		c.learned[m] = int64(len(s.learned) - gone)
	}
	return c, gone
}

// check compares the counts with the stream's, and checks the balances:
// per model every example is learned, expired or waiting; every label
// record is learned, dead-lettered, expired or waiting.
func (c delayedCounts) check(s *delayedStream, models []string) []string {
	var errs []string
	want, _ := s.expect(models, c.expired)
	for _, m := range models {
		if c.predicted[m] != want.predicted[m] || c.learned[m] != want.learned[m] {
			errs = append(errs, fmt.Sprintf("model %s: predicted %d, learned %d; want %d and %d",
				m, c.predicted[m], c.learned[m], want.predicted[m], want.learned[m]))
		}
	}
	for k, n := range want.dead {
		if n >= 0 && c.dead[k] != n {
			errs = append(errs, fmt.Sprintf("dead letters %q: %d, want %d", k, c.dead[k], n))
		}
	}
	for k, n := range c.dead {
		if want.dead[k] == 0 {
			errs = append(errs, fmt.Sprintf("unexpected dead letters %q: %d", k, n))
		}
	}
	// The balances: per model, every example sent is predicted, and then
	// learned or expired; every label record sent is learned (by every
	// model) or dead-lettered (bad, duplicate) or expired.
	expired, strays := c.dead[input.ReasonExpired+": no label"], c.dead[input.ReasonExpired+": no features"]
	badLabels := c.dead[input.ReasonDuplicateLabel] + c.dead[input.ReasonBadLabel] + c.dead[input.ReasonLateLabel]
	for _, m := range models {
		if c.predicted[m] != len(s.ids) || int(c.learned[m])+expired != len(s.ids) {
			errs = append(errs, fmt.Sprintf("model %s: examples: %d predicted, %d learned + %d expired, %d sent",
				m, c.predicted[m], c.learned[m], expired, len(s.ids)))
		}
		if int(c.learned[m])+badLabels+strays != len(s.lkeys) {
			errs = append(errs, fmt.Sprintf("model %s: labels: %d learned + %d dead-lettered + %d expired != %d sent",
				m, c.learned[m], badLabels, strays, len(s.lkeys)))
		}
	}
	if c.waiting != 0 {
		errs = append(errs, fmt.Sprintf("%d entries still wait", c.waiting))
	}
	return errs
}

// TestDelayedLabels runs a pipeline with delayed labels over TCP on
// 3-partition topics, with two instances, the example ids in a column of
// the features records (input.id_column): a tenth of the labels come
// before all features, the others after, shuffled; some never come, some
// twice, some are bad first, some are for examples that never come. In
// the end every example was predicted once per model, every good first
// label learned exactly once by every model, every duplicate, bad and
// stray label dead-lettered and every unlabeled example expired, so that
// predicted + dead-lettered + expired = sent; and each sensor's model
// equals a reference that learned its examples in its labels' order,
// scoring the predictions made when the features came.
func TestDelayedLabels(t *testing.T) {
	const partitions, sensors, n = 3, 12, 3000
	brokers := cluster(t)
	adm := admin(t, brokers)
	input, labels := unique("delayed-features"), unique("delayed-labels")
	for _, topic := range []string{input, labels} {
		if err := operations.CreateTopic(context.Background(), adm, topic, partitions, 1); err != nil {
			t.Fatal(err)
		}
	}
	s := makeDelayedStream(n, sensors, partitions, 5, true)
	p := delayedPipeline(t, brokers, unique("delayed"), input, labels, partitions, 30, true)
	ins := []*instance{start(t, p, brokers, "a"), start(t, p, brokers, "b")}

	models := []string{"per_sensor", "global"}
	s.play(t, brokers, p, input, labels, models, nil, ins...)
	c := waitDelayed(t, brokers, p, s, models, 3*time.Minute, ins...)
	for _, in := range ins {
		in.stop()
	}
	for _, e := range c.check(s, models) {
		t.Error(e)
	}
	if _, gone := s.expect(models, c.expired); gone > 0 {
		t.Logf("%d examples expired before their labels came: the machine was slower than expire_after", gone)
	}
	t.Logf("%d examples, %d label records: learned %v, dead letters %v", n, len(s.lkeys), c.learned, c.dead)
	checkSensors(t, brokers, p, s, c.expired)
}

// TestDelayedLabelsOtherPartitioner: labels produced with Kafka's Java
// client's partitioner (murmur2) rather than goka's (FNV-1a), so that
// most land in a partition other than their example's: the join forwards
// them to their key's partition (<p>.repartitioned-labels) and every
// balance of TestDelayedLabels holds. Before, each label in the wrong
// partition expired with "no features", and its example with "no label".
func TestDelayedLabelsOtherPartitioner(t *testing.T) {
	const partitions, sensors, n = 3, 6, 900
	brokers := cluster(t)
	adm := admin(t, brokers)
	input, labels := unique("relabel-features"), unique("relabel-labels")
	for _, topic := range []string{input, labels} {
		if err := operations.CreateTopic(context.Background(), adm, topic, partitions, 1); err != nil {
			t.Fatal(err)
		}
	}
	s := makeDelayedStream(n, sensors, partitions, 7, true)
	p := delayedPipeline(t, brokers, unique("relabel"), input, labels, partitions, 15, true)
	in := start(t, p, brokers, "a")
	models := []string{"per_sensor", "global"}
	murmur2 := kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil))
	moved := 0
	for _, k := range s.lkeys {
		if table.Partition(string(k), partitions) != int32(murmur2Partition(k, partitions)) {
			moved++
		}
	}
	s.play(t, brokers, p, input, labels, models, []kgo.Opt{murmur2}, in)
	c := waitDelayed(t, brokers, p, s, models, 3*time.Minute, in)
	in.stop()
	for _, e := range c.check(s, models) {
		t.Error(e)
	}
	if moved == 0 {
		t.Fatal("every label is in its key's partition under both partitioners: the test exercised nothing")
	}
	t.Logf("%d examples, %d label records (%d in another partition than their key's): learned %v, dead letters %v",
		n, len(s.lkeys), moved, c.learned, c.dead)
}

// murmur2Partition is the partition Kafka's Java client gives key.
func murmur2Partition(key []byte, n int) int {
	return kgo.StickyKeyPartitioner(nil).ForTopic("").Partition(&kgo.Record{Key: key}, n)
}

// play produces the stream: the early labels, once the join holds them
// all the features, once all are predicted the other labels; so that the
// order in which each sensor's examples are paired is known.
func (s *delayedStream) play(t *testing.T, brokers []string, p *topology.Pipeline, input, labels string, models []string, labelOpts []kgo.Opt, ins ...*instance) {
	t.Helper()
	produceRecords(t, brokers, labels, s.lkeys[:s.early], s.lvalues[:s.early], labelOpts...)
	ids := map[string]bool{}
	for _, k := range s.lkeys[:s.early] {
		ids[string(k)] = true
	}
	waitEntries(t, brokers, p, len(ids), 2*time.Minute)
	produceRecords(t, brokers, input, s.fkeys, s.fvalues)
	seen := predictions(t, brokers, p, len(s.ids), 2*time.Minute, ins...)
	for _, m := range models {
		if len(seen[m]) != len(s.ids) {
			t.Fatalf("model %s: %d examples predicted, want %d", m, len(seen[m]), len(s.ids))
		}
	}
	produceRecords(t, brokers, labels, s.lkeys[s.early:], s.lvalues[s.early:], labelOpts...)
}

// waitEntries waits until the join table holds n entries.
func waitEntries(t *testing.T, brokers []string, p *topology.Pipeline, n int, deadline time.Duration) {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		keys := map[string]bool{}
		err := operations.ScanTable(ctx, brokers, nil, string(p.Topics.JoinTable), func(r *kgo.Record) error {
			keys[string(r.Key)] = true
			return nil
		})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) >= n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("the join table holds %d entries, want %d", len(keys), n)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func delayedPipeline(t *testing.T, brokers []string, name, input, labels string, partitions int, expire float64, idColumn bool) *topology.Pipeline {
	t.Helper()
	yaml := delayedYAML(name, input, labels, partitions, expire, idColumn)
	return pipeline(t, brokers, name+".yaml", yaml)
}

// waitDelayed reads the pipeline's counts until they are the stream's
// (or the deadline), checking the balances at every read.
func waitDelayed(t *testing.T, brokers []string, p *topology.Pipeline, s *delayedStream, models []string, deadline time.Duration, ins ...*instance) delayedCounts {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		for _, in := range ins {
			if in.failed() {
				t.FailNow()
			}
		}
		c := readDelayed(t, brokers, p)
		errs := c.check(s, models)
		if len(errs) == 0 || time.Now().After(end) {
			return c
		}
		time.Sleep(2 * time.Second)
	}
}

// checkSensors compares each sensor's model with a reference that learns
// the sensor's paired examples (less those that expired) in the order of
// their labels: all of a sensor's ids are in one
// partition, whose labels reach the join in the order produced, and the
// features all came before the labels that followed them.
func checkSensors(t *testing.T, brokers []string, p *topology.Pipeline, s *delayedStream, expired map[string]bool) {
	t.Helper()
	states := tableStates(t, brokers, p)
	spec := p.Specs["per_sensor"]
	refs := map[string]*table.ModelState{}
	feats := s.feats
	// The labels before the features were joined when the features
	// came, in the order of the features; the others in their own order.
	early := map[string]bool{}
	for _, k := range s.lkeys[:s.early] {
		early[string(k)] = true
	}
	var order []string
	for _, id := range s.ids {
		if early[id] && learnedID(s, id) {
			order = append(order, id)
		}
	}
	for _, id := range s.learned {
		if !early[id] {
			order = append(order, id)
		}
	}
	for _, id := range order {
		if expired[id] {
			continue
		}
		key := table.EntityKey("per_sensor", s.sensorOf[id])
		ref := refs[key]
		if ref == nil {
			var err error
			if ref, err = table.NewModelState("per_sensor", key, spec.Shape()); err != nil {
				t.Fatal(err)
			}
			refs[key] = ref
		}
		var y float64
		fmt.Sscan(s.labels[id], &y)
		if err := ref.Learner.Learn(feats[id], y); err != nil {
			t.Fatal(err)
		}
		ref.Rows++
	}
	for key, ref := range refs {
		st := states[key]
		if st == nil || st.Rows != ref.Rows {
			t.Errorf("%s: state %v, want %d rows", key, st, ref.Rows)
			continue
		}
		if !sameWeights(st.Learner.Weights(), ref.Learner.Weights()) {
			t.Errorf("%s: weights %v, the reference's %v", key, st.Learner.Weights(), ref.Learner.Weights())
		}
	}
}

func learnedID(s *delayedStream, id string) bool {
	for _, l := range s.learned {
		if l == id {
			return true
		}
	}
	return false
}

func sameWeights(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
