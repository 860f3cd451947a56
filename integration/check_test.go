package integration

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// badRow is a row (or, with index wire.WholeMessage, a whole message) a
// test expects in the dead-letter topic.
type badRow struct {
	index  int32
	raw    string // the bad line or record; the whole value for a whole message
	reason string // a part of the reason
}

// message is an input record with what a test expects of its rows.
type message struct {
	rec  *kgo.Record
	good []int32 // indexes of the rows that must be predicted
	bad  []badRow
}

// expected holds what a run over some messages must produce, by row id
// (processors.PredictionID of the source coordinates and row index).
type expected struct {
	good map[string]bool
	bad  map[string]badRow
	keys map[string][]byte // record key of each bad row
}

// expect lists the rows of produced messages.
func expect(msgs []message) expected {
	e := expected{good: map[string]bool{}, bad: map[string]badRow{}, keys: map[string][]byte{}}
	for _, m := range msgs {
		for _, i := range m.good {
			e.good[recordID(m.rec, i)] = true
		}
		for _, b := range m.bad {
			id := recordID(m.rec, b.index)
			e.bad[id], e.keys[id] = b, m.rec.Key
		}
	}
	return e
}

// produceMessages sets the topic and a distinct key on every message,
// produces them and returns what the pipeline must make of them.
func produceMessages(t *testing.T, brokers []string, topic string, msgs []message) expected {
	t.Helper()
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		m.rec.Topic = topic
		if m.rec.Key == nil {
			m.rec.Key = []byte(unique("k"))
		}
		recs[i] = m.rec
	}
	produceSync(t, brokers, recs)
	return expect(msgs)
}

// checkRun checks a running single-model pipeline against what its input
// must produce: one prediction per good row, one dead letter per bad row
// (decoded with the pipeline's dead-letter codec) and, in the learn table,
// the model's rows and invalid counts. It returns the model's state.
func checkRun(t *testing.T, brokers []string, p *topology.Pipeline, in *instance, e expected) *table.ModelState {
	t.Helper()
	name := p.Config.Name
	model := p.Models[0].Name
	seen := predictions(t, brokers, p, len(e.good), 30*time.Second, in)
	checkOnce(t, name+": predictions of "+model, seen[model], e.good)

	dead := consume(t, brokers, p.Topics.DeadLetter, len(e.bad), 30*time.Second, in)
	checkDeadLetters(t, decodeAll[wire.DeadLetter](t, p.DeadLetterCodec, dead), p.Config.Input.Topics[0], e)
	if n := topicSize(t, brokers, p.Topics.DeadLetter); n != int64(len(e.bad)) {
		t.Errorf("%s: the dead-letter topic holds %d records, want %d", name, n, len(e.bad))
	}

	wantRows, wantInvalid := int64(len(e.good)), int64(len(e.bad))
	st := waitState(t, brokers, p, model, 30*time.Second, func(s *table.ModelState) bool {
		return s.Invalid >= wantInvalid && s.Rows >= wantRows
	})
	if in.failed() {
		t.Fatalf("%s: the processor stopped", name)
	}
	switch {
	case st == nil:
		t.Errorf("%s: no state for %s in the learn table", name, model)
	case st.Invalid != wantInvalid || st.Rows != wantRows:
		t.Errorf("%s: state of %s: invalid %d, rows %d; want %d, %d", name, model, st.Invalid, st.Rows, wantInvalid, wantRows)
	}
	return st
}

// checkDeadLetters matches dead letters to the expected bad rows, by
// source coordinates: exactly one each, with its raw bytes, key and reason.
func checkDeadLetters(t *testing.T, got []*wire.DeadLetter, topic string, e expected) {
	t.Helper()
	seen := map[string]int{}
	for _, d := range got {
		id := processors.PredictionID(d.Topic, d.Partition, d.Offset, d.Index)
		seen[id]++
		b, ok := e.bad[id]
		switch {
		case d.Topic != topic:
			t.Errorf("dead letter %s: topic %q, want %q", id, d.Topic, topic)
		case !ok:
			t.Errorf("unexpected dead letter %s: %q (%s)", id, d.Value, d.Reason)
		case d.ValueSize != int64(len(b.raw)) || !bytes.Equal(d.ValueSHA256, sha256Of(b.raw)) && (b.raw != "" || d.ValueSHA256 != nil):
			t.Errorf("dead letter %s: value size %d, hash %x; want those of %d raw bytes", id, d.ValueSize, d.ValueSHA256, len(b.raw))
		case d.Truncated && (!strings.HasPrefix(b.raw, string(d.Value)) || len(d.Value) == 0):
			t.Errorf("dead letter %s: cut value of %d bytes is not a prefix of the raw one", id, len(d.Value))
		case !d.Truncated && string(d.Value) != b.raw:
			t.Errorf("dead letter %s: value %q, want %q", id, d.Value, b.raw)
		case !bytes.Equal(d.Key, e.keys[id]):
			t.Errorf("dead letter %s: key %q, want %q", id, d.Key, e.keys[id])
		case !strings.Contains(d.Reason, b.reason):
			t.Errorf("dead letter %s: reason %q does not say %q", id, d.Reason, b.reason)
		}
	}
	want := make(map[string]bool, len(e.bad))
	for id := range e.bad {
		want[id] = true
	}
	checkOnce(t, "dead letters", seen, want)
}

// sha256Of is the SHA-256 of a dead letter's raw value (an empty value
// may also come as none, with no hash).
func sha256Of(raw string) []byte {
	sum := sha256.Sum256([]byte(raw))
	return sum[:]
}
