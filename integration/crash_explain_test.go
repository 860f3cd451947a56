package integration

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/topology"
)

// explainLoss replays the examples topic of p as the learner's watermarks
// would (per model key and source partition: apply the rows above the
// watermark, then move it to the batch's Source.Offset) and logs every row
// that such a replay never learns, with the batch that skipped it. A row
// lost here was written to the examples topic out of order (or not at all
// before a later batch of its source partition): the loss happened upstream
// of the learner. Rows that the replay learns but the table lacks were lost
// in the learner or its table.
func explainLoss(t *testing.T, brokers []string, p *topology.Pipeline) {
	t.Helper()
	type stream struct {
		key       string
		partition int32
	}
	type state struct {
		watermark int64
		learned   map[int64]bool
		skipped   map[int64]string // row offset -> where it was skipped
		at        map[int64]int    // row offset -> index in history of the batch that skipped it
	}
	states := map[stream]*state{}
	var codec wire.ExampleBatchCodec
	batches := 0
	// history keeps every batch of every stream, to show the first loss.
	history := map[stream][]string{}
	each(t, brokers, string(p.Topics.Examples), func(r *kgo.Record) {
		v, err := codec.Decode(r.Value)
		if err != nil {
			t.Errorf("decode example batch at %d/%d: %v", r.Partition, r.Offset, err)
			return
		}
		b := v.(*wire.ExampleBatch)
		batches++
		k := stream{b.Key, b.Source.Partition}
		if len(b.Rows) > 0 {
			history[k] = append(history[k], fmt.Sprintf("examples %d/%d rows %d..%d (producer %d/%d, %s)", r.Partition, r.Offset,
				b.Rows[0].Offset, b.Rows[len(b.Rows)-1].Offset, r.ProducerID, r.ProducerEpoch, r.Timestamp.Format("15:04:05.000")))
		}
		st := states[k]
		if st == nil {
			st = &state{watermark: -1, learned: map[int64]bool{}, skipped: map[int64]string{}, at: map[int64]int{}}
			states[k] = st
		}
		for _, row := range b.Rows {
			switch {
			case row.Offset > st.watermark:
				st.learned[row.Offset] = true
				delete(st.skipped, row.Offset)
			case !st.learned[row.Offset]:
				if _, ok := st.skipped[row.Offset]; !ok {
					st.at[row.Offset] = len(history[k]) - 1
					st.skipped[row.Offset] = fmt.Sprintf("examples %d/%d (batch rows %d..%d, source offset %d, watermark %d)",
						r.Partition, r.Offset, b.Rows[0].Offset, b.Rows[len(b.Rows)-1].Offset, b.Source.Offset, st.watermark)
				}
			}
		}
		if b.Source.Offset > st.watermark {
			st.watermark = b.Source.Offset
		}
	})
	lost := 0
	var lines []string
	var first *stream
	for k, st := range states {
		if len(st.skipped) == 0 {
			continue
		}
		offs := make([]int64, 0, len(st.skipped))
		for o := range st.skipped {
			offs = append(offs, o)
		}
		sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
		lost += len(offs)
		lines = append(lines, fmt.Sprintf("key %s, source partition %d: %d rows never learned, first %d: %s",
			k.key, k.partition, len(offs), offs[0], st.skipped[offs[0]]))
		if first == nil || k.key < first.key || (k.key == first.key && k.partition < first.partition) {
			first = &k
		}
	}
	sort.Strings(lines)
	t.Logf("examples topic: %d batches; a watermark replay of it never learns %d rows", batches, lost)
	for _, l := range lines[:min(len(lines), 10)] {
		t.Log(l)
	}
	if first != nil {
		// The batches around the first skip: who wrote them (producer id
		// and epoch) and when (the producer's timestamp) tell a reordering
		// by one producer from a write by a former owner.
		st := states[*first]
		low := int64(-1)
		for o := range st.skipped {
			if low < 0 || o < low {
				low = o
			}
		}
		h := history[*first]
		i := st.at[low]
		t.Logf("batches of key %s from source partition %d around the first row never learned (%d), in examples topic order:\n%s",
			first.key, first.partition, low, strings.Join(h[max(i-15, 0):min(i+3, len(h))], "\n"))
	}
}

// each calls fn on every record of topic, in order per partition, up to
// the end offsets at the call.
func each(t *testing.T, brokers []string, topic string, fn func(*kgo.Record)) {
	t.Helper()
	ctx := context.Background()
	ends, err := admin(t, brokers).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	left := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			left[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for len(left) > 0 && time.Now().Before(deadline) {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			end, ok := left[r.Partition]
			if !ok || r.Offset >= end {
				continue
			}
			fn(r)
			if r.Offset+1 >= end {
				delete(left, r.Partition)
			}
		}
	}
	if len(left) > 0 {
		t.Errorf("topic %s: partitions %v not read to their end", topic, left)
	}
}

// tableWatch follows a learn table's changelog while a test runs, so that
// a state written from a stale copy (fewer rows than the key's previous
// write) can be shown even after compaction removed it from the topic.
type tableWatch struct {
	stop func()
	done chan struct{}
	// regressions are the writes whose state has fewer rows than the
	// previous write of the same key.
	regressions []string
	writes      int
	// onRegression, if set before the first regression, is called once
	// when it is seen (e.g. to dump the processes' goroutines).
	onRegression func(string)
}

func watchTable(t *testing.T, brokers []string, p *topology.Pipeline) *tableWatch {
	t.Helper()
	// Read committed, as every reader of the table: a fenced writer's
	// aborted records are not the table's.
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(string(p.Topics.LearnTable)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, kafkaclient.ReadCommittedOpts()...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &tableWatch{stop: cancel, done: make(chan struct{})}
	type last struct {
		offset int64
		rows   int64
		marks  string
		at     time.Time
	}
	prev := map[string]last{}
	go func() {
		defer close(w.done)
		defer cl.Close()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			for it := fs.RecordIter(); !it.Done(); {
				r := it.Next()
				if r.Value == nil || r.Attrs.IsControl() {
					continue
				}
				v, err := p.StateCodec.Decode(r.Value)
				if err != nil {
					continue
				}
				st := v.(*table.ModelState)
				w.writes++
				marks := fmt.Sprint(st.Watermarks)
				if pr, ok := prev[st.Key]; ok && st.Rows < pr.rows {
					w.regressions = append(w.regressions, fmt.Sprintf(
						"key %s: table %d/%d at %s: rows %d, watermarks %s; previous write %d at %s: rows %d, watermarks %s",
						st.Key, r.Partition, r.Offset, r.Timestamp.Format("15:04:05.000"), st.Rows, marks,
						pr.offset, pr.at.Format("15:04:05.000"), pr.rows, pr.marks))
					if len(w.regressions) == 1 && w.onRegression != nil {
						w.onRegression(w.regressions[0])
					}
				}
				prev[st.Key] = last{offset: r.Offset, rows: st.Rows, marks: marks, at: r.Timestamp}
			}
		}
	}()
	t.Cleanup(w.close)
	return w
}

func (w *tableWatch) close() {
	w.stop()
	<-w.done
}

// report logs what the watch saw.
func (w *tableWatch) report(t *testing.T) {
	t.Helper()
	w.close()
	t.Logf("table changelog: %d writes seen, %d went back to fewer rows than the key's previous write", w.writes, len(w.regressions))
	for _, r := range w.regressions[:min(len(w.regressions), 10)] {
		t.Log(r)
	}
}
