package integration

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
)

// serveYAML is a pipeline that learns from train and serves test: a
// global model a and another b (other hyperparameters), a per-entity model
// e (key s); deployment held serves a's latest state, pinned a's newest
// pinned version, entity e's latest state per entity.
func serveYAML(name, train, test string) string {
	return fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [s, y, x0, x1, x2]
  features: [x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: a
    optimizer: {name: adam, learning_rate: 0.05}
    metrics: {window: 100, buckets: 5, emit_every: 100}
    checkpoints: {every_rows: 100000, every_seconds: 3600, idle_seconds: 1}
  - name: b
    optimizer: {name: sgd, learning_rate: 0.2}
    metrics: {window: 100, buckets: 5, emit_every: 100}
    checkpoints: {every_rows: 100000, every_seconds: 3600, idle_seconds: 1}
  - name: e
    key: s
    optimizer: {name: adam, learning_rate: 0.05}
    metrics: {window: 100, buckets: 5, emit_every: 100}
serve:
  - {name: held, topics: [%s], model: a}
  - {name: pinned, topics: [%s], model: a, state: pinned, output: %s.pinned}
  - {name: entity, topics: [%s], model: e, output: %s.entity}
`, name, train, test, test, name, test, name)
}

// servePipeline makes the topics (train of one partition, test of four:
// the score group scales by the served topics, not the training input)
// and the pipeline.
func servePipeline(t *testing.T, brokers []string) (p *topology.Pipeline, train, test string) {
	t.Helper()
	name := unique("serve")
	train, test = inputTopic(t, brokers, "serve-train", 1), inputTopic(t, brokers, "serve-test", 4)
	return pipeline(t, brokers, name+".yaml", serveYAML(name, train, test)), train, test
}

// labeledRows are n records "s,y,x0,x1,x2" of a logistic ground truth over
// entities s0..s4, keyed by a record number (spread over partitions).
func labeledRows(r *rand.Rand, topic string, n int) []*kgo.Record {
	recs := make([]*kgo.Record, n)
	for i := range recs {
		x := [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		z := 1.5*x[0] - x[1] + 0.5*x[2]
		y := 0
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y = 1
		}
		recs[i] = &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint("r", r.Uint64())),
			Value: []byte(fmt.Sprintf("s%d,%d,%g,%g,%g", r.IntN(5), y, x[0], x[1], x[2]))}
	}
	return recs
}

// badRows are records with rows route (and so the score group) cannot
// decode: a word for a number, a missing column, an empty message, and a
// message of a good row and a bad one.
func badRows(topic string) []*kgo.Record {
	var recs []*kgo.Record
	for _, v := range []string{"s1,1,x,0,0", "s1,1,0,0", "", "s2,0,1,1,1\ns2,0,1,NaN,1"} {
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(unique("bad")), Value: []byte(v)})
	}
	return recs
}

// rowIDs are the prediction ids of every row of records (of the given
// rows per record), one for an empty message.
func rowIDs(recs []*kgo.Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range recs {
		n := max(1, strings.Count(strings.TrimSpace(string(r.Value)), "\n")+1)
		if len(r.Value) == 0 {
			out[processors.PredictionID(r.Topic, r.Partition, r.Offset, wire.WholeMessage)] = true
			continue
		}
		for i := range n {
			out[recordID(r, int32(i))] = true
		}
	}
	return out
}

// served is what one deployment made of the rows: predictions and dead
// letters by row id.
type served struct {
	preds map[string][]wire.Prediction
	dead  map[string][]string // reasons
}

// readServed reads a deployment's output and its dead letters until every
// id of want has a prediction or a dead letter (or the deadline).
func readServed(t *testing.T, brokers []string, p *topology.Pipeline, deployment string, want map[string]bool, deadline time.Duration, ins ...*instance) served {
	t.Helper()
	d, _ := p.Deployment(deployment)
	s := served{preds: map[string][]wire.Prediction{}, dead: map[string][]string{}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(string(d.Output), string(p.Topics.DeadLetter)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	covered := func() bool {
		for id := range want {
			if len(s.preds[id])+len(s.dead[id]) == 0 {
				return false
			}
		}
		return true
	}
	prefix := "serve " + deployment + ": "
	end := time.Now().Add(deadline)
	for !covered() && time.Now().Before(end) {
		for _, in := range ins {
			if in.failed() {
				t.FailNow()
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			if r.Topic == string(p.Topics.DeadLetter) {
				dl := decodeAll[wire.DeadLetter](t, p.DeadLetterCodec, []*kgo.Record{r})[0]
				if strings.HasPrefix(dl.Reason, prefix) {
					id := processors.PredictionID(dl.Topic, dl.Partition, dl.Offset, dl.Index)
					s.dead[id] = append(s.dead[id], dl.Reason)
				}
				continue
			}
			for _, pr := range decodeAll[wire.PredictionBatch](t, p.PredictionCodec, []*kgo.Record{r})[0].Predictions {
				s.preds[pr.ID] = append(s.preds[pr.ID], pr)
			}
		}
	}
	return s
}

// check fails the test unless every row of want has exactly one
// prediction or one dead letter, and nothing else has one but the rows of
// before (checked already), and returns how many of each (predicted +
// dead-lettered = sent).
func (s served) check(t *testing.T, what string, want map[string]bool, before ...map[string]bool) (predicted, dead int) {
	t.Helper()
	seen := map[string]int{}
	earlier := func(id string) bool {
		return slices.ContainsFunc(before, func(b map[string]bool) bool { return b[id] })
	}
	for id, ps := range s.preds {
		if !earlier(id) {
			seen[id] += len(ps)
		}
	}
	for id, ds := range s.dead {
		if !earlier(id) {
			seen[id] += len(ds)
		}
	}
	checkOnce(t, what, seen, want)
	for id := range want {
		predicted += len(s.preds[id])
		dead += len(s.dead[id])
	}
	if predicted+dead != len(want) {
		t.Errorf("%s: predicted %d + dead-lettered %d != sent %d", what, predicted, dead, len(want))
	}
	return predicted, dead
}

// TestServeHeldOut trains on one topic and serves another with three
// deployments (latest, pinned, per entity): rows sent before anything was
// learned are dead-lettered with their reason, bad rows as route would,
// every other row is predicted by the state its deployment serves; the
// held-out rows are never learned from; `streamsgd evaluate`'s metrics
// equal those computed directly from the served learners.
func TestServeHeldOut(t *testing.T) {
	brokers := cluster(t)
	p, train, test := servePipeline(t, brokers)
	in := start(t, p, brokers, p.Config.Name)
	r := rand.New(rand.NewPCG(11, 1))
	deployments := []string{"held", "pinned", "entity"}

	// Before anything was learned: every row dead-lettered, the good ones
	// because there is nothing to serve.
	good := labeledRows(r, test, 60)
	early := produceSync(t, brokers, slices.Concat(good, badRows(test)))
	earlyIDs, goodIDs := rowIDs(early), rowIDs(good)
	for _, d := range deployments {
		s := readServed(t, brokers, p, d, earlyIDs, 60*time.Second, in)
		if n, _ := s.check(t, d+" before learning", earlyIDs); n != 0 {
			t.Errorf("%s: %d rows predicted before anything was learned", d, n)
		}
		want := map[string]string{"held": `no model state for key "a" yet`, "pinned": `no model version for key "a" yet`,
			"entity": `no model state for key "e/s`}[d]
		for id := range goodIDs {
			if reasons := s.dead[id]; len(reasons) != 1 || !strings.Contains(reasons[0], want) {
				t.Errorf("%s: dead letter of %s: %q, want %q", d, id, reasons, want)
			}
		}
	}

	// Learn from the train topic, version and pin a's state.
	const trained = 3000
	produceSync(t, brokers, labeledRows(r, train, trained))
	st := waitState(t, brokers, p, "a", 60*time.Second, func(s *table.ModelState) bool { return s.Rows == trained })
	if st == nil || st.Rows != trained {
		t.Fatalf("a learned %v rows, want %d", st, trained)
	}
	c, err := registry.New(p, brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v := awaitRegistry(t, c, in, "a", trained)["a"].Latest()
	if _, err := c.Pin(context.Background(), "a", v.ID, table.OpPin, 30*time.Second); err != nil {
		t.Fatal(err)
	}

	// The held-out rows, some bad.
	held := produceSync(t, brokers, slices.Concat(labeledRows(r, test, 1200), badRows(test)))
	heldIDs := rowIDs(held)
	states := tableStates(t, brokers, p)
	for _, d := range deployments {
		s := readServed(t, brokers, p, d, heldIDs, 60*time.Second, in)
		predicted, dead := s.check(t, d, heldIDs, earlyIDs)
		if predicted != 1200+1 || dead != 4 {
			t.Errorf("%s: %d predicted, %d dead-lettered; want 1201 and 4 (the bad rows)", d, predicted, dead)
		}
		for _, ps := range s.preds {
			pr := ps[0]
			want := states[pr.Key].Rows // latest: the learn table's state of the row's key
			if pr.Model != map[string]string{"held": "a", "pinned": "a", "entity": "e"}[d] || pr.Version != want {
				t.Fatalf("%s: prediction %+v, want version %d", d, pr, want)
			}
		}
		checkEvaluation(t, brokers, p, d, held, states, s, len(earlyIDs)+len(heldIDs))
	}

	// Held-out rows are never learned from.
	after := tableStates(t, brokers, p)
	var entityRows int64
	for k, st := range after {
		if strings.HasPrefix(k, "e/") {
			entityRows += st.Rows
		}
	}
	if after["a"].Rows != trained || after["b"].Rows != trained || entityRows != trained {
		t.Errorf("learned rows after serving: a %d, b %d, e %d; want %d each", after["a"].Rows, after["b"].Rows, entityRows, trained)
	}
}

// checkEvaluation compares operations.Evaluate (`streamsgd evaluate`) of
// a deployment with metrics computed here, from the rows as produced and
// the served learners: the learn table's state of each row's key.
func checkEvaluation(t *testing.T, brokers []string, p *topology.Pipeline, deployment string, recs []*kgo.Record,
	states map[string]*table.ModelState, s served, sent int) {
	t.Helper()
	d, _ := p.Deployment(deployment)
	ev, err := operations.Evaluate(context.Background(), p, operations.EvaluateOptions{Brokers: brokers, Deployment: deployment, Wait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	direct := metrics.ForTask(string(p.Specs[d.Model].Model.Task))
	var scored int64
	for _, r := range recs {
		rows, _, err := p.Route.Decoder.Decode(r.Key, r.Value, nil)
		if err != nil {
			continue
		}
		for _, row := range rows {
			if len(s.preds[recordID(r, row.Index)]) == 0 {
				continue // dead-lettered
			}
			key := d.Model
			if p.Specs[d.Model].PerEntity() {
				key = table.EntityKey(d.Model, row.Entity)
			}
			out := make([]float64, 1)
			if err := learnerOf(t, states[key]).Predict(row.Features, out); err != nil {
				t.Fatal(err)
			}
			for _, m := range direct {
				m.Update(row.Label, out)
			}
			scored++
		}
	}
	// Every row of the deployment's topic so far: the early ones were
	// dead-lettered (counted in Dead), the held-out ones scored here.
	if !ev.CaughtUp || ev.Scored != scored || ev.Labeled != scored || ev.Repeats != 0 || ev.Scored+ev.Dead != int64(sent) {
		t.Errorf("%s: evaluated %d rows (%d labeled, %d repeats, %d dead-lettered, caught up %v), computed %d of %d sent",
			deployment, ev.Scored, ev.Labeled, ev.Repeats, ev.Dead, ev.CaughtUp, scored, sent)
	}
	for i, m := range direct {
		got := ev.Metrics[i]
		if got.Name != m.Name() || math.Abs(got.Value-m.Value()) > 1e-12 {
			t.Errorf("%s: %s evaluated %v, computed %v", deployment, m.Name(), got.Value, m.Value())
		}
	}
	t.Logf("%s: %d rows, %d dead-lettered: %v", deployment, ev.Scored, ev.Dead, ev.Metrics)
}

func learnerOf(t *testing.T, st *table.ModelState) *model.Model {
	t.Helper()
	if st == nil {
		t.Fatal("no state")
	}
	return st.Learner
}

// pacedProducer writes labeled rows to topic one record at a time until
// stopped, and returns the records written.
type pacedProducer struct {
	stop func() []*kgo.Record
}

func producePacedRows(t *testing.T, brokers []string, topic string, every time.Duration) *pacedProducer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu   sync.Mutex
		recs []*kgo.Record
		done = make(chan struct{})
	)
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			rec := labeledRows(r, topic, 1)[0]
			if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
				t.Errorf("produce: %v", err)
				return
			}
			mu.Lock()
			recs = append(recs, rec)
			mu.Unlock()
		}
	}()
	return &pacedProducer{stop: func() []*kgo.Record {
		cancel()
		<-done
		cl.Close()
		mu.Lock()
		defer mu.Unlock()
		return recs
	}}
}

// TestServeSwitchesMidStream: while held-out rows stream in, what the
// deployments serve changes under them without a restart and without a
// row left unscored: a newer learned state (latest), a newly pinned
// version and its unpinning (pinned), a promoted model and its rollback
// (`streamsgd serve promote|rollback`). Per partition, in offset order,
// the versions (model@rows) follow those changes.
func TestServeSwitchesMidStream(t *testing.T) {
	brokers := cluster(t)
	p, train, test := servePipeline(t, brokers)
	in := start(t, p, brokers, p.Config.Name)
	r := rand.New(rand.NewPCG(12, 1))
	c, err := registry.New(p, brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	learn := func(rows int64) *table.Version {
		t.Helper()
		produceSync(t, brokers, labeledRows(r, train, 1000))
		if st := waitState(t, brokers, p, "a", 60*time.Second, func(s *table.ModelState) bool { return s.Rows == rows }); st == nil || st.Rows != rows {
			t.Fatalf("a: %v, want %d rows", st, rows)
		}
		if st := waitState(t, brokers, p, "b", 60*time.Second, func(s *table.ModelState) bool { return s.Rows == rows }); st == nil || st.Rows != rows {
			t.Fatalf("b: %v, want %d rows", st, rows)
		}
		return awaitRegistry(t, c, in, "a", rows)["a"].Latest()
	}
	pin := func(v *table.Version, op table.PinOp) {
		t.Helper()
		if _, err := c.Pin(ctx, "a", v.ID, op, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	v1 := learn(1000)
	pin(v1, table.OpPin)

	stream := producePacedRows(t, brokers, test, 5*time.Millisecond)
	phase := func(what string) {
		t.Logf("%s", what)
		time.Sleep(1500 * time.Millisecond)
	}
	phase("serving a@1000, pinned v1")
	v2 := learn(2000)
	phase("learned a@2000")
	pin(v2, table.OpPin)
	phase("pinned v2")
	pin(v2, table.OpUnpin)
	phase("unpinned v2")
	if _, _, err := operations.Promote(ctx, p, operations.PromoteOptions{Brokers: brokers, Deployment: "held", Model: "b"}); err != nil {
		t.Fatal(err)
	}
	phase("promoted b")
	if err := operations.Rollback(ctx, p, brokers, nil, "held"); err != nil {
		t.Fatal(err)
	}
	phase("rolled back")
	recs := stream.stop()
	want := rowIDs(recs)
	t.Logf("%d rows streamed", len(want))

	patterns := map[string]*regexp.Regexp{
		// latest: a's states as it learned (a@1000, maybe states on the
		// way, a@2000), then b, then a again (a learned nothing more).
		"held": regexp.MustCompile(`^(a@\d+ )*(b@2000 )*(a@2000 )*$`),
		// pinned: v1, v2 once pinned, v1 again once v2 was unpinned.
		"pinned": regexp.MustCompile(`^(a@1000 )*(a@2000 )*(a@1000 )*$`),
	}
	for _, d := range []string{"held", "pinned"} {
		s := readServed(t, brokers, p, d, want, 60*time.Second, in)
		if _, dead := s.check(t, d, want); dead != 0 {
			t.Errorf("%s: %d rows dead-lettered while the deployment had a state to serve", d, dead)
		}
		byPartition := map[int32][]wire.Prediction{}
		all := map[string]bool{}
		for _, ps := range s.preds {
			byPartition[ps[0].Partition] = append(byPartition[ps[0].Partition], ps[0])
			all[fmt.Sprintf("%s@%d", ps[0].Model, ps[0].Version)] = true
		}
		for part, ps := range byPartition {
			slices.SortFunc(ps, func(a, b wire.Prediction) int { return int(a.Offset - b.Offset) })
			var seq strings.Builder
			for _, pr := range ps {
				fmt.Fprintf(&seq, "%s@%d ", pr.Model, pr.Version)
			}
			for i := 1; i < len(ps); i++ {
				if ps[i].Model == ps[i-1].Model && ps[i].Model == "a" && d == "held" && ps[i].Version < ps[i-1].Version {
					t.Errorf("%s partition %d: a@%d after a@%d", d, part, ps[i].Version, ps[i-1].Version)
				}
			}
			if !patterns[d].MatchString(seq.String()) {
				t.Errorf("%s partition %d: served %s", d, part, compress(seq.String()))
			}
			t.Logf("%s partition %d: %s", d, part, compress(seq.String()))
		}
		wantAll := map[string][]string{"held": {"a@1000", "a@2000", "b@2000"}, "pinned": {"a@1000", "a@2000"}}[d]
		for _, w := range wantAll {
			if !all[w] {
				t.Errorf("%s: no row served by %s (served: %v)", d, w, all)
			}
		}
	}
	if in.restarts.Load() != 0 {
		t.Errorf("the instance restarted %d times", in.restarts.Load())
	}
}

// compress writes runs of one word as word×n.
func compress(seq string) string {
	var out []string
	words := strings.Fields(seq)
	for i := 0; i < len(words); {
		j := i
		for j < len(words) && words[j] == words[i] {
			j++
		}
		out = append(out, fmt.Sprintf("%s×%d", words[i], j-i))
		i = j
	}
	return strings.Join(out, " ")
}

// TestServeInstancesSharePartitions: two instances split the partitions
// of the served topic in the score group (independently of training, whose
// input has one partition), and between them score every row once.
func TestServeInstancesSharePartitions(t *testing.T) {
	brokers := cluster(t)
	p, train, test := servePipeline(t, brokers)
	a := start(t, p, brokers, p.Config.Name+"-a")
	b := start(t, p, brokers, p.Config.Name+"-b")
	r := rand.New(rand.NewPCG(13, 1))
	produceSync(t, brokers, labeledRows(r, train, 1000))
	if st := waitState(t, brokers, p, "a", 60*time.Second, func(s *table.ModelState) bool { return s.Rows == 1000 }); st == nil {
		t.Fatal("nothing learned")
	}
	adm := admin(t, brokers)
	settled := waitSettled(t, adm, string(p.Topics.ScoreGroup), 2, 60*time.Second)
	as, _ := assignment(t, adm, string(p.Topics.ScoreGroup))
	if len(as) != 2 {
		t.Fatalf("score group: %s", settled)
	}
	for member, parts := range as {
		if len(parts) != 2 {
			t.Errorf("score group member %s has partitions %v of the 4 served ones: %s", member, parts, settled)
		}
	}
	recs := produceSync(t, brokers, labeledRows(r, test, 2000))
	want := rowIDs(recs)
	for _, d := range []string{"held", "entity"} {
		s := readServed(t, brokers, p, d, want, 60*time.Second, a, b)
		if predicted, _ := s.check(t, d, want); predicted != len(want) {
			t.Errorf("%s: %d of %d rows predicted", d, predicted, len(want))
		}
	}
	t.Logf("score group: %s", settled)
}
