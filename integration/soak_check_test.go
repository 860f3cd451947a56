package integration

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/topology"
)

// coverage follows, while a pipeline runs, which input rows every model
// predicted and which rows were dead-lettered, by source partition and
// offset (one row per input message), in bitsets: a soak sends tens of
// millions of rows, too many for sets of ids.
type coverage struct {
	input string

	mu        sync.Mutex
	predicted map[string]map[int32]*bitset // model -> partition -> offsets
	dead      map[int32]*bitset
	repeated  int64
	first     time.Time // first row covered
	last      time.Time // last row newly covered
	covered   int64     // rows newly covered, summed over the models
	err       error
}

// watchCoverage consumes p's predictions and dead letters from their start
// in the background until the test ends.
func watchCoverage(t *testing.T, brokers []string, p *topology.Pipeline, input string) *coverage {
	t.Helper()
	c := &coverage{input: input, predicted: map[string]map[int32]*bitset{}, dead: map[int32]*bitset{}}
	for _, m := range p.Models {
		c.predicted[m.Name] = map[int32]*bitset{}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...),
		kgo.ConsumeTopics(string(p.Topics.Predictions), string(p.Topics.DeadLetter)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				if err := c.add(p, r); err != nil {
					c.fail(err)
				}
			})
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cl.Close()
	})
	return c
}

func (c *coverage) add(p *topology.Pipeline, r *kgo.Record) error {
	now := time.Now()
	if r.Topic == string(p.Topics.DeadLetter) {
		v, err := p.DeadLetterCodec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode dead letter: %w", err)
		}
		d := v.(*wire.DeadLetter)
		c.mu.Lock()
		defer c.mu.Unlock()
		if d.Topic == c.input {
			c.mark(of(c.dead, d.Partition), d.Offset, int64(len(c.predicted)), now)
		}
		return nil
	}
	rows, ok := scanPredictions(r.Value)
	if !ok {
		v, err := p.PredictionCodec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode predictions: %w", err)
		}
		rows = rows[:0]
		for _, pr := range v.(*wire.PredictionBatch).Predictions {
			rows = append(rows, predicted{pr.Model, pr.Topic, pr.Partition, pr.Offset})
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, pr := range rows {
		if m, ok := c.predicted[pr.model]; ok && pr.topic == c.input {
			c.mark(of(m, pr.partition), pr.offset, 1, now)
		}
	}
	return nil
}

// predicted is what the soak reads of a prediction.
type predicted struct {
	model, topic string
	partition    int32
	offset       int64
}

// scanPredictions reads the model and source coordinates of every
// prediction of a JSON Lines message as wire.AppendPredictionJSON writes it,
// without decoding the rest: the soak reads hundreds of thousands a second
// on the cores the pipeline runs on, and encoding/json takes microseconds
// each. It reports false for anything else (Avro, escaped strings).
func scanPredictions(value []byte) ([]predicted, bool) {
	var out []predicted
	for line := range bytes.SplitSeq(value, []byte{'\n'}) {
		topic, ok1 := field(line, `"topic":"`, '"')
		part, ok2 := field(line, `,"partition":`, ',')
		off, ok3 := field(line, `,"offset":`, ',')
		model, ok4 := field(line, `,"model":"`, '"')
		if !(ok1 && ok2 && ok3 && ok4) || bytes.IndexByte(topic, '\\') >= 0 || bytes.IndexByte(model, '\\') >= 0 {
			return nil, false
		}
		pn, err1 := strconv.ParseInt(string(part), 10, 32)
		on, err2 := strconv.ParseInt(string(off), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		out = append(out, predicted{string(model), string(topic), int32(pn), on})
	}
	return out, true
}

// field is the bytes of line after key up to end.
func field(line []byte, key string, end byte) ([]byte, bool) {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return nil, false
	}
	rest := line[i+len(key):]
	j := bytes.IndexByte(rest, end)
	if j < 0 {
		return nil, false
	}
	return rest[:j], true
}

// mark sets offset o in b; a row seen before counts as repeated.
func (c *coverage) mark(b *bitset, o int64, rows int64, now time.Time) {
	if !b.set(o) {
		c.repeated++
		return
	}
	if c.first.IsZero() {
		c.first = now
	}
	c.last = now
	c.covered += rows
}

func (c *coverage) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

func of(m map[int32]*bitset, p int32) *bitset {
	b := m[p]
	if b == nil {
		b = new(bitset)
		m[p] = b
	}
	return b
}

// missing is, per model, the rows below the end offsets ends that are
// neither predicted by it nor dead-lettered, and the rows dead-lettered.
func (c *coverage) missing(ends map[int32]int64) (lost map[string]int64, dead int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lost = map[string]int64{}
	for part, end := range ends {
		d := of(c.dead, part)
		dead += d.count(end)
		for model, m := range c.predicted {
			lost[model] += end - of(m, part).union(d).count(end)
		}
	}
	return lost, dead
}

// await waits until every model covers every row below ends, or the
// deadline passes; it returns the rows lost per model then.
func (c *coverage) await(t *testing.T, ends map[int32]int64, deadline time.Duration) (lost map[string]int64, dead int64) {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		lost, dead = c.missing(ends)
		total := int64(0)
		for _, n := range lost {
			total += n
		}
		if total == 0 || time.Now().After(end) {
			return lost, dead
		}
		time.Sleep(time.Second)
	}
}

// rate is the rows per second newly covered between the first and the
// last, summed over the models and divided by their number.
func (c *coverage) rate() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.last.Sub(c.first).Seconds()
	if el <= 0 {
		return 0
	}
	return float64(c.covered) / float64(len(c.predicted)) / el
}

// bitset is a growable set of non-negative offsets.
type bitset struct{ w []uint64 }

// set adds o and reports whether it was new.
func (b *bitset) set(o int64) bool {
	i := int(o >> 6)
	for i >= len(b.w) {
		b.w = append(b.w, 0)
	}
	bit := uint64(1) << (o & 63)
	if b.w[i]&bit != 0 {
		return false
	}
	b.w[i] |= bit
	return true
}

// union is a new set holding the offsets of b and o.
func (b *bitset) union(o *bitset) *bitset {
	u := &bitset{w: append([]uint64(nil), b.w...)}
	for i, w := range o.w {
		if i >= len(u.w) {
			u.w = append(u.w, 0)
		}
		u.w[i] |= w
	}
	return u
}

// count is the number of offsets below end in b.
func (b *bitset) count(end int64) int64 {
	n := 0
	for i, w := range b.w {
		lo := int64(i) << 6
		if lo >= end {
			break
		}
		if end-lo < 64 {
			w &= 1<<(end-lo) - 1
		}
		n += bits.OnesCount64(w)
	}
	return int64(n)
}

// soakRows writes sensor rows (as sensorCSV, one row per message, keyed by
// sensor) at rate rows/s in the background until stop is called, or until
// limit rows when limit > 0; one row in badEvery has a label that is not a
// number, which route dead-letters. rate <= 0 writes as fast as the client
// can. The rows cycle through a pool made once, so that the producer takes
// little of the cores the pipeline runs on. stop (with a limit: once the
// limit is written) waits until every row is acknowledged and returns how
// many were written.
func soakRows(t *testing.T, brokers []string, topic string, rate float64, limit int64, seed uint64) (stop func() int64) {
	t.Helper()
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		t.Fatal(err)
	}
	const tick = 10 * time.Millisecond
	const badEvery = 997
	keys, values := sensorCSV(1<<16, crashSensors, seed)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var sent int64
	go func() {
		defer close(done)
		next, owed := time.Now(), 0.0
		for ctx.Err() == nil && (limit <= 0 || sent < limit) {
			n := int64(4096)
			if rate > 0 {
				time.Sleep(time.Until(next))
				next = next.Add(tick)
				owed += rate * tick.Seconds()
				n = int64(owed)
				owed -= float64(n)
			}
			if limit > 0 {
				n = min(n, limit-sent)
			}
			for range n {
				i := sent % int64(len(values))
				r := &kgo.Record{Topic: topic, Key: keys[i], Value: values[i]}
				if sent%badEvery == badEvery-1 {
					r.Value = append(append([]byte(nil), keys[i]...), ",oops,0,0,0"...)
				}
				// Not ctx: a row handed to the client is written.
				cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
					if err != nil {
						t.Errorf("produce: %v", err)
					}
				})
				sent++
			}
		}
	}()
	var once sync.Once
	stop = func() int64 {
		once.Do(func() {
			if limit <= 0 {
				cancel()
			}
			<-done
			// The rows handed to the client are written before it closes.
			if err := cl.Flush(context.Background()); err != nil {
				t.Errorf("produce: flush: %v", err)
			}
			cl.Close()
		})
		return sent
	}
	t.Cleanup(func() {
		cancel()
		stop()
	})
	return stop
}

// memory is what /proc/PID/status says of a process's memory, in bytes.
type memory struct{ rss, hwm int64 }

// memoryOf reads VmRSS and VmHWM of pid.
func memoryOf(pid int) (memory, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(data), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			m.rss = kb << 10
		case "VmHWM":
			m.hwm = kb << 10
		}
	}
	return m, nil
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// TestScanPredictions: the soak's fast reader of predictions reads what
// the JSON codec writes.
func TestScanPredictions(t *testing.T) {
	label := 1.0
	pb := &wire.PredictionBatch{Predictions: []wire.Prediction{
		{ID: "in/2/4711/0", Topic: "in", Partition: 2, Offset: 4711, Model: "per_sensor", Key: "per_sensor/s001", Scores: []float64{0.5}, Label: &label},
		{ID: "in/3/12/0", Topic: "in", Partition: 3, Offset: 12, Model: "global", Key: "global", Scores: []float64{0.25}},
	}}
	got, ok := scanPredictions(wire.AppendPredictionBatchJSON(nil, pb))
	want := []predicted{{"per_sensor", "in", 2, 4711}, {"global", "in", 3, 12}}
	if !ok || !slices.Equal(got, want) {
		t.Errorf("scanPredictions = %v, %v; want %v", got, ok, want)
	}
}
