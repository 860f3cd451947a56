package integration

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// Issue 10 ("never stop, never lose"): inputs that stopped a processor or
// were lost, each run over TCP; every row must be predicted or
// dead-lettered, once, and the processor must keep running.

// pixelRows makes n rows "y,p0,...,p783" of Fashion-MNIST's shape: ten
// classes, 784 integer pixels.
func pixelRows(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d", r.IntN(10))
		for range 784 {
			fmt.Fprintf(&b, ",%d", r.IntN(256))
		}
	}
	return b.String()
}

// TestFashionShapedOverTCP: a 784-feature softmax pipeline fed messages of
// 1, 64 and 200 rows. Before, route gathered up to 256 rows (1.6 MB) into
// one example batch and the run stopped on MESSAGE_TOO_LARGE; now batches
// are bounded by the examples topic's max.message.bytes, the 200 rows of
// one message (1.3 MB as example rows, about 165 fit in a batch) go on in
// a second batch, and every row is predicted and learned once.
func TestFashionShapedOverTCP(t *testing.T) {
	brokers := cluster(t)
	in := inputTopic(t, brokers, "fashion-in", 1)
	name := unique("fashion")
	cols := make([]string, 785)
	cols[0] = "y"
	for i := range 784 {
		cols[i+1] = fmt.Sprintf("p%d", i)
	}
	p := pipeline(t, brokers, name+".yaml", fmt.Sprintf(`
name: %s
partitions: 1
input:
  topics: [%s]
  columns: [%s]
  label: {from: column, column: y}
models:
  - name: softmax
    task: multiclass
    classes: 10
    optimizer: {name: sgd, learning_rate: 0.001}
    metrics: {window: 100, emit_every: 500}
`, name, in, strings.Join(cols, ", ")))
	r := rand.New(rand.NewPCG(10, 1))
	var msgs []message
	for i := range 40 {
		rows := 1
		switch {
		case i == 11 || i == 30:
			rows = 200 // about 540 KB of CSV: more than one example batch
		case i%2 == 1:
			rows = 64
		}
		m := message{rec: &kgo.Record{Value: []byte(pixelRows(r, rows))}}
		for j := range rows {
			m.good = append(m.good, int32(j))
		}
		msgs = append(msgs, m)
	}
	e := produceMessages(t, brokers, in, msgs)
	t.Logf("%d rows in %d messages", len(e.good), len(msgs))
	checkRun(t, brokers, p, start(t, p, brokers, name), e)
}

// poisonYAML is a three-feature pipeline with the label in column y.
func poisonYAML(name, input, task string) string {
	model := "task: binary"
	if task == "multiclass" {
		model = "task: multiclass\n    classes: 3"
	}
	return fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [y, x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: m
    %s
    metrics: {window: 100, emit_every: 100}
`, name, input, model)
}

// TestHugeBadLineOverTCP: a 600 KB bad CSV line made a 1.4 MB dead letter;
// the run stopped and, after a restart, the row was neither dead-lettered
// nor predicted. Now its dead letter is cut to fit, keeping the raw size
// and hash, later rows are predicted, and a restart loses nothing.
func TestHugeBadLineOverTCP(t *testing.T) {
	brokers := cluster(t)
	in := inputTopic(t, brokers, "huge-in", 1)
	name := unique("huge")
	p := pipeline(t, brokers, name+".yaml", poisonYAML(name, in, "binary"))
	r := rand.New(rand.NewPCG(5, 6))
	huge := "1," + strings.Repeat("0.123456,", 66_000) + "x" // ~600 KB, bad columns
	msgs := goodCSV(r, 100)
	msgs = append(msgs, message{rec: &kgo.Record{Value: []byte(huge)}, bad: []badRow{{0, huge, "expected 4 columns"}}})
	msgs = append(msgs, goodCSV(r, 100)...)
	e := produceMessages(t, brokers, in, msgs)
	first := start(t, p, brokers, name+"-1")
	checkRun(t, brokers, p, first, e)
	first.stop()

	// Restart, then more rows: every row once, nothing lost or repeated.
	more := goodCSV(r, 100)
	e2 := produceMessages(t, brokers, in, more)
	for id := range e.good {
		e2.good[id] = true
	}
	for id, b := range e.bad {
		e2.bad[id], e2.keys[id] = b, e.keys[id]
	}
	checkRun(t, brokers, p, start(t, p, brokers, name+"-2"), e2)
}

// TestLabelOutOfRangeOverTCP: labels outside a model's classes.
//   - multiclass: a row whose label is not a class passed route and stopped
//     the learner ("label 7 is not a class in 0..2"), again after every
//     restart;
//   - binary: labels 2, 7 and -2 were learned as 1 or 0 (anything above 0.5
//     counted as 1), so a broken producer went unnoticed; 0, 1 and -1 (the
//     negative class of -1/+1 labels) are the binary classes.
//
// Now route dead-letters every label the model's classes do not hold.
func TestLabelOutOfRangeOverTCP(t *testing.T) {
	brokers := cluster(t)
	two := "1,0.1,0.2,0.3\n9,0.1,0.2,0.3"
	for _, tc := range []struct {
		task  string
		seed  uint64
		good  []string // labels of the good rows, in turn
		bad   []string // labels of one-row messages, each dead-lettered
		extra []message
	}{
		{task: "multiclass", seed: 7, good: []string{"0", "1", "2"}, bad: []string{"7", "-1", "1.5", "3"},
			extra: []message{{rec: &kgo.Record{Value: []byte(two)}, good: []int32{0},
				bad: []badRow{{1, two, "label 9 is not in 0..2"}}}}},
		{task: "binary", seed: 17, good: []string{"0", "1", "-1"}, bad: []string{"2", "7", "-2", "0.5"}},
	} {
		t.Run(tc.task, func(t *testing.T) {
			in := inputTopic(t, brokers, "label-"+tc.task, 2)
			name := unique("label" + tc.task)
			p := pipeline(t, brokers, name+".yaml", poisonYAML(name, in, tc.task))
			r := rand.New(rand.NewPCG(tc.seed, tc.seed+1))
			var msgs []message
			for i := range 200 {
				line := fmt.Sprintf("%s,%g,%g,%g", tc.good[i%len(tc.good)], r.NormFloat64(), r.NormFloat64(), r.NormFloat64())
				msgs = append(msgs, message{rec: &kgo.Record{Value: []byte(line)}, good: []int32{0}})
			}
			for _, label := range tc.bad {
				line := label + ",0.1,0.2,0.3"
				msgs = append(msgs, message{rec: &kgo.Record{Value: []byte(line)}, bad: []badRow{{0, line, input.ReasonLabelNotClass}}})
			}
			msgs = append(msgs, tc.extra...)
			checkRun(t, brokers, p, start(t, p, brokers, name), produceMessages(t, brokers, in, mix(r, msgs)))
		})
	}
}

// TestEmptyMessagesOverTCP: empty CSV and Avro messages made neither a
// prediction nor a dead letter, and goka skipped a null value (a
// tombstone) before any callback saw it. Now each is one dead letter.
func TestEmptyMessagesOverTCP(t *testing.T) {
	brokers := cluster(t)
	r := rand.New(rand.NewPCG(9, 10))
	empty := func() message {
		return message{rec: &kgo.Record{Value: []byte{}}, bad: []badRow{{wire.WholeMessage, "", input.ReasonEmptyMessage}}}
	}
	null := func() message {
		return message{rec: &kgo.Record{Key: []byte("k"), Value: nil}, bad: []badRow{{wire.WholeMessage, "", input.ReasonEmptyMessage}}}
	}
	t.Run("csv", func(t *testing.T) {
		in := inputTopic(t, brokers, "empty-csv", 2)
		name := unique("emptycsv")
		p := pipeline(t, brokers, name+".yaml", poisonYAML(name, in, "binary"))
		blank := message{rec: &kgo.Record{Value: []byte("\n\n")}, bad: []badRow{{wire.WholeMessage, "\n\n", input.ReasonNoRows}}}
		msgs := mix(r, goodCSV(r, 100), empty(), empty(), blank, null(), null())
		checkRun(t, brokers, p, start(t, p, brokers, name), produceMessages(t, brokers, in, msgs))
	})
	t.Run("avro", func(t *testing.T) {
		in := inputTopic(t, brokers, "empty-avro", 2)
		name := unique("emptyavro")
		p := pipeline(t, brokers, name+".yaml", avroPipelineYAML(name, in,
			fmt.Sprintf("{schema: '%s', mode: binary}", avroRowSchema), "{encoding: avro}"))
		c := avroCodec(t)
		enc := func(recs []map[string]any) []byte { return avroBinary(t, c, recs...) }
		msgs := mix(r, goodAvro(r, 100, enc), empty(), empty(), null())
		checkRun(t, brokers, p, start(t, p, brokers, name), produceMessages(t, brokers, in, msgs))
	})
}

// TestEntityNotUTF8OverTCP: an entity key column that is not valid UTF-8
// became a model key, shown lossily. Now the row is dead-lettered.
func TestEntityNotUTF8OverTCP(t *testing.T) {
	brokers := cluster(t)
	in := inputTopic(t, brokers, "utf8-in", 2)
	name := unique("utf8")
	p := pipeline(t, brokers, name+".yaml", fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [sensor, y, x0, x1, x2]
  features: [x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: global
    task: regression
    metrics: {window: 100, emit_every: 100}
  - name: per_sensor
    task: regression
    key: sensor
    metrics: {window: 100, emit_every: 100}
`, name, in))
	r := rand.New(rand.NewPCG(11, 12))
	var msgs []message
	for i := range 150 {
		line := fmt.Sprintf("s%d,%g,%g,%g,%g", i%5, r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64())
		msgs = append(msgs, message{rec: &kgo.Record{Value: []byte(line)}, good: []int32{0}})
	}
	for _, s := range []string{"s\xff", "\xc3", "ok\xed\xa0\x80"} {
		line := s + ",1,0.1,0.2,0.3"
		msgs = append(msgs, message{rec: &kgo.Record{Value: []byte(line)}, bad: []badRow{{0, line, input.ReasonEntityNotUTF8}}})
	}
	checkRun(t, brokers, p, start(t, p, brokers, name), produceMessages(t, brokers, in, mix(r, msgs)))
	for key := range tableStates(t, brokers, p) {
		if !strings.HasPrefix(key, "per_sensor/s") && key != "global" || strings.ContainsRune(key, '\ufffd') {
			t.Errorf("model key %q", key)
		}
	}
}
