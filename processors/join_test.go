package processors

import (
	"reflect"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
)

type noStates struct{}

func (noStates) State(string, bool) (*table.ModelState, error) { return nil, nil }

func testJoin(t *testing.T) *Join {
	t.Helper()
	j := &Join{Specs: map[string]ModelSpec{"m": binarySpec("m", 2)},
		Expiry: config.Expiry{Seconds: 60, Rows: 100}, Partitions: 2,
		Features: "p.features", Examples: "p.examples", Predictions: "p.predictions", DeadLetter: "p.deadletter"}
	j.Init()
	return j
}

// TestJoinRedelivery: a message delivered again after its step (a crash
// before its offset was committed) emits what it emitted the first time,
// with the same sources, so that the learner's watermarks skip the pair
// and consumers drop the duplicate prediction; and writes its entry again,
// unchanged, for a changelog that may lack it.
func TestJoinRedelivery(t *testing.T) {
	j := testJoin(t)
	f := &wire.Features{ID: "a", Source: wire.Source{Topic: "in", Partition: 1, Offset: 4}, Values: []float64{1, 2},
		Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
	fin := JoinInput{Src: wire.Source{Topic: "p.features", Partition: 1, Offset: 9}, At: 1000, Row: 9}
	lin := JoinInput{Src: wire.Source{Topic: "labels", Partition: 1, Offset: 3}, At: 2000, Row: 9}
	for _, labelFirst := range []bool{false, true} {
		var e *table.Pending
		var first []JoinOutput
		steps := []func(*table.Pending) (JoinOutput, error){
			func(e *table.Pending) (JoinOutput, error) { return j.StepFeatures(e, f, fin, noStates{}) },
			func(e *table.Pending) (JoinOutput, error) { return j.StepLabel(e, "a", []byte("1"), lin), nil },
		}
		if labelFirst {
			steps[0], steps[1] = steps[1], steps[0]
		}
		for _, step := range steps {
			out, err := step(e)
			if err != nil {
				t.Fatal(err)
			}
			first = append(first, out)
			e = out.Entry
		}
		if !e.Done || len(first[1].Examples) != 1 {
			t.Fatalf("label first %v: entry %+v, second step %+v", labelFirst, e, first[1])
		}
		ex := first[1].Examples[0].Value
		if ex.Source != e.Trigger || len(ex.Scores) != 1 || !ex.Rows[0].HasLabel || ex.Rows[0].Label != 1 {
			t.Fatalf("example %+v, entry %+v", ex, e)
		}
		// Route's redelivery of the input record: the same row in a new
		// features message.
		again, err := j.StepFeatures(e, f, JoinInput{Src: wire.Source{Topic: "p.features", Partition: 1, Offset: 20}, At: 3000, Row: 20}, noStates{})
		if err != nil || !reflect.DeepEqual(again.Entry, e) || again.Delete || len(again.Dead) != 0 || len(again.Predictions) != 1 {
			t.Errorf("label first %v, route's redelivery: %+v, %v", labelFirst, again, err)
		}
		for i, step := range steps {
			again, err := step(e)
			if err != nil {
				t.Fatal(err)
			}
			// The entry is written again as it is (see Join: Rewrite).
			if !reflect.DeepEqual(again.Entry, e) || again.Delete || len(again.Dead) != 0 {
				t.Errorf("label first %v, redelivery %d: entry %+v, want it written again unchanged %+v", labelFirst, i, again.Entry, e)
			}
			if !reflect.DeepEqual(again.Examples, first[i].Examples) {
				t.Errorf("label first %v, redelivery %d: examples %+v, first %+v", labelFirst, i, again.Examples, first[i].Examples)
			}
			if !reflect.DeepEqual(again.Predictions, first[i].Predictions) {
				t.Errorf("label first %v, redelivery %d: predictions %+v, first %+v", labelFirst, i, again.Predictions, first[i].Predictions)
			}
		}
	}
}

// TestJoinForwardedLabel: a label forwarded to its key's partition
// (ProcessRelabel) completes the pair with the forwarded copy's position
// as the pair's source (in order with the other pairs of that partition,
// for the learner's watermarks), while the label is known by where it
// was read first: a second forwarded copy of the same record (the labels
// topic read again after a crash) is a redelivery, not a duplicate; a
// label of another record is a duplicate naming the first; dead letters
// name the labels topic's record.
func TestJoinForwardedLabel(t *testing.T) {
	j := testJoin(t)
	f := &wire.Features{ID: "a", Source: wire.Source{Topic: "in", Partition: 1, Offset: 4}, Values: []float64{1, 2},
		Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
	fin := JoinInput{Src: wire.Source{Topic: "p.features", Partition: 1, Offset: 9}, At: 1000, Row: 9}
	orig := wire.Source{Topic: "labels", Partition: 0, Offset: 3}
	fwd := func(offset int64, label wire.Source) JoinInput {
		return JoinInput{Src: wire.Source{Topic: "p.repartitioned-labels", Partition: 1, Offset: offset}, At: 2000, Row: 9, Label: label}
	}
	out, err := j.StepFeatures(nil, f, fin, noStates{})
	if err != nil {
		t.Fatal(err)
	}
	out = j.StepLabel(out.Entry, "a", []byte("1"), fwd(5, orig))
	e := out.Entry
	if len(out.Examples) != 1 || out.Examples[0].Value.Source != fwd(5, orig).Src || e.LabelSource != orig || e.Trigger != fwd(5, orig).Src {
		t.Fatalf("pair %+v, entry %+v", out.Examples, e)
	}
	again := j.StepLabel(e, "a", []byte("1"), fwd(8, orig))
	if len(again.Dead) != 0 || len(again.Examples) != 0 || !reflect.DeepEqual(again.Entry, e) {
		t.Errorf("a second forwarded copy: %+v, want a redelivery (no pair, no dead letter)", again)
	}
	same := j.StepLabel(e, "a", []byte("1"), fwd(5, orig))
	if len(same.Dead) != 0 || !reflect.DeepEqual(same.Examples, out.Examples) {
		t.Errorf("the forwarded copy again: %+v, want the same pair %+v", same, out.Examples)
	}
	other := wire.Source{Topic: "labels", Partition: 1, Offset: 7}
	dup := j.StepLabel(e, "a", []byte("0"), fwd(9, other))
	if len(dup.Dead) != 1 || dup.Dead[0].Topic != other.Topic || dup.Dead[0].Partition != other.Partition || dup.Dead[0].Offset != other.Offset ||
		!strings.Contains(dup.Dead[0].Reason, "the first came from labels/0@3") {
		t.Errorf("another label record: %+v, want a duplicate dead letter of labels/1@7 naming labels/0@3", dup.Dead)
	}
}

// TestJoinExpiry: what waits expires by time or by rows of the stream
// (rows of the partition times the partitions), once; tombstones and done
// entries are deleted one period later.
func TestJoinExpiry(t *testing.T) {
	j := testJoin(t)
	f := &wire.Features{ID: "a", Source: wire.Source{Topic: "in"}, Values: []float64{1, 2}, Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
	waiting := &table.Pending{Features: f, Predictions: []table.Predicted{{Model: "m", Key: "m", Scores: []float64{0.5}}}, SinceMillis: 0, SinceRow: 10}
	label := &table.Pending{HasLabel: true, Label: 1, SinceMillis: 0, SinceRow: -1}
	for _, tc := range []struct {
		name      string
		e         *table.Pending
		now, row  int64
		dead      bool
		delete    bool
		tombstone bool
	}{
		{name: "young", e: waiting, now: 59_999, row: 59},
		{name: "by time", e: waiting, now: 60_000, row: 11, dead: true, tombstone: true},
		{name: "by rows", e: waiting, now: 1, row: 60, dead: true, tombstone: true}, // (60-10)*2 >= 100
		{name: "label by time", e: label, now: 60_000, row: -1, dead: true, tombstone: true},
		{name: "tombstone young", e: &table.Pending{Expired: true, SinceMillis: 0, SinceRow: 0}, now: 1000, row: 1},
		{name: "tombstone", e: &table.Pending{Expired: true, SinceMillis: 0, SinceRow: 0}, now: 60_000, row: 1, delete: true},
		{name: "done", e: &table.Pending{Done: true, SinceMillis: 0, SinceRow: 0}, now: 0, row: 50, delete: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := j.StepExpire(tc.e, "a", tc.now, tc.row)
			if (len(out.Dead) == 1) != tc.dead || out.Delete != tc.delete || (out.Entry != nil && out.Entry.Expired) != tc.tombstone {
				t.Fatalf("out %+v (dead %v), want dead %v delete %v tombstone %v", out, out.Dead, tc.dead, tc.delete, tc.tombstone)
			}
		})
	}
	// A label that came before any features since a start counts its
	// rows from the first visit that knows the partition's position.
	out := j.StepExpire(label, "a", 1, 7)
	if out.Entry == nil || out.Entry.SinceRow != 7 || len(out.Dead) != 0 {
		t.Fatalf("label without a row: %+v", out)
	}
}

// TestJoinRedeliveryAfterExpiry: the tombstone of expired features knows
// their input row: route's redelivery of it is not a new example, while
// another row of the same id is one.
func TestJoinRedeliveryAfterExpiry(t *testing.T) {
	j := testJoin(t)
	f := &wire.Features{ID: "a", Source: wire.Source{Topic: "in", Partition: 0, Offset: 4}, Values: []float64{1, 2},
		Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
	out, err := j.StepFeatures(nil, f, JoinInput{Src: wire.Source{Topic: "p.features", Offset: 1}, At: 0, Row: 1}, noStates{})
	if err != nil {
		t.Fatal(err)
	}
	tomb := j.StepExpire(out.Entry, "a", 60_000, 2).Entry
	if tomb == nil || !tomb.Expired {
		t.Fatalf("tombstone %+v", tomb)
	}
	again, err := j.StepFeatures(tomb, f, JoinInput{Src: wire.Source{Topic: "p.features", Offset: 9}, At: 61_000, Row: 9}, noStates{})
	if err != nil || !reflect.DeepEqual(again.Entry, tomb) || len(again.Predictions)+len(again.Dead) != 0 {
		t.Errorf("redelivery after expiry: %+v, %v", again, err)
	}
	other := *f
	other.Source.Offset = 5
	fresh, err := j.StepFeatures(tomb, &other, JoinInput{Src: wire.Source{Topic: "p.features", Offset: 10}, At: 61_000, Row: 10}, noStates{})
	if err != nil || fresh.Entry == nil || fresh.Entry.Expired || len(fresh.Predictions) != 1 {
		t.Errorf("a new row of an expired id: %+v, %v", fresh, err)
	}
}

// TestJoinDuplicateIDNamesInput: the dead letter of a second row with an
// id named where the first came from as the internal features topic
// (p.features/0@1); it names the input record and row.
func TestJoinDuplicateIDNamesInput(t *testing.T) {
	j := testJoin(t)
	first := &wire.Features{ID: "a", Source: wire.Source{Topic: "in", Partition: 1, Offset: 4}, Index: 2, Values: []float64{1, 2},
		Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
	out, err := j.StepFeatures(nil, first, JoinInput{Src: wire.Source{Topic: "p.features", Offset: 1}, Row: 1}, noStates{})
	if err != nil {
		t.Fatal(err)
	}
	second := *first
	second.Source.Offset, second.Index = 9, 0
	dup, err := j.StepFeatures(out.Entry, &second, JoinInput{Src: wire.Source{Topic: "p.features", Offset: 2}, Row: 2}, noStates{})
	if err != nil || len(dup.Dead) != 1 {
		t.Fatalf("%+v, %v", dup, err)
	}
	if got, want := dup.Dead[0].Reason, `its features arrived already from in/1@4 row 2`; !strings.HasSuffix(got, want) {
		t.Errorf("reason %q, want it to end %q", got, want)
	}
}

// TestJoinConfigChanged: a pair whose model changed while it waited (gone,
// other outputs, other features) is dead-lettered for that model, never
// sent to a learner that would fail on it.
func TestJoinConfigChanged(t *testing.T) {
	f := &wire.Features{ID: "a", Source: wire.Source{Topic: "in"}, Values: []float64{1, 2}, Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
	for name, change := range map[string]func(j *Join){
		"gone":     func(j *Join) { j.Specs = map[string]ModelSpec{"other": binarySpec("other", 2)} },
		"features": func(j *Join) { j.Specs = map[string]ModelSpec{"m": binarySpec("m", 3)} },
	} {
		t.Run(name, func(t *testing.T) {
			j := testJoin(t)
			out, err := j.StepFeatures(nil, f, JoinInput{Src: wire.Source{Topic: "p.features"}}, noStates{})
			if err != nil {
				t.Fatal(err)
			}
			change(j)
			got := j.StepLabel(out.Entry, "a", []byte("1"), JoinInput{Src: wire.Source{Topic: "labels"}})
			if len(got.Examples) != 0 || len(got.Dead) != 1 || !got.Entry.Done {
				t.Fatalf("out %+v, dead %v", got, got.Dead)
			}
		})
	}
}

// TestJoinUnknownModel: a row routed to a model that the config no longer
// has is dead-lettered for it, never a failure of the group.
func TestJoinUnknownModel(t *testing.T) {
	j := testJoin(t)
	f := &wire.Features{ID: "a", Source: wire.Source{Topic: "in"}, Values: []float64{1, 2},
		Keys: []wire.ModelKey{{Model: "gone", Key: "gone"}, {Model: "m", Key: "m"}}}
	out, err := j.StepFeatures(nil, f, JoinInput{Src: wire.Source{Topic: "p.features"}}, noStates{})
	if err != nil || len(out.Dead) != 1 || len(out.Predictions) != 1 || len(out.Entry.Predictions) != 1 {
		t.Fatalf("out %+v, %v", out, err)
	}
}
