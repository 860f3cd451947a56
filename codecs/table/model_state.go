package table

import (
	"fmt"
	"sort"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// ModelState is the value of the learn table: everything one model key
// needs to continue learning exactly where it stopped. The merge table
// holds ModelStates too, with Shards set.
type ModelState struct {
	// Model is the model's name; Key the table key (model, shard or entity).
	Model string
	Key   string
	// Learner holds weights, optimizer state and scaler.
	Learner *model.Model
	// Window holds the rolling metrics.
	Window *metrics.Window
	// Rows learned in total; Invalid rows dead-lettered and counted here.
	Rows    int64
	Invalid int64
	// Watermarks: the highest source offset applied per source partition,
	// sorted by topic then partition (see Watermark and Advance).
	Watermarks []wire.Watermark
	// NextEmit is the row count at which the next metric snapshot is due.
	NextEmit int64
	// Shards is set in the merge table only: the latest ShardState of
	// every shard of a data-parallel model, by shard index (nil until the
	// shard first publishes). Learner, Window, Rows and Invalid are then
	// those of the merged model.
	Shards []*ShardState
	// Drift is the key's drift monitor (detector and background learner),
	// nil when the model detects no drift.
	Drift *drift.Monitor
	// Events are the key's recent drift events, oldest first (see
	// KeepEvent): a batch redelivered after a crash emits its events
	// again, as it does its predictions, since the state that made them
	// has moved on.
	Events []wire.Event
}

// Bounds of ModelState.Events: at most MaxRecentEvents events, none made
// more than RecentEventRows learned rows ago (a redelivery spans far fewer
// rows), so that a state goes back to its usual size after a drift.
const (
	MaxRecentEvents = 8
	RecentEventRows = 1 << 16
)

// KeepEvent records e among the recent events, dropping those beyond the
// bounds.
func (s *ModelState) KeepEvent(e wire.Event) {
	s.Events = append(s.Events, e)
	if n := len(s.Events) - MaxRecentEvents; n > 0 {
		s.Events = append(s.Events[:0], s.Events[n:]...)
	}
	s.ForgetEvents()
}

// ForgetEvents drops the recent events made more than RecentEventRows
// rows ago.
func (s *ModelState) ForgetEvents() {
	i := 0
	for i < len(s.Events) && s.Events[i].Row <= s.Rows-RecentEventRows {
		i++
	}
	if i > 0 {
		s.Events = append(s.Events[:0], s.Events[i:]...)
	}
	if len(s.Events) == 0 {
		s.Events = nil
	}
}

// NewModelState makes the empty state of key, a key of the model name of
// the given shape: a new learner and window, no rows, no watermarks.
func NewModelState(name, key string, shape Shape) (*ModelState, error) {
	m, err := model.New(shape.Model)
	if err != nil {
		return nil, fmt.Errorf("table: model %s: %w", name, err)
	}
	w, err := metrics.NewWindow(shape.Window)
	if err != nil {
		return nil, fmt.Errorf("table: model %s: %w", name, err)
	}
	var mon *drift.Monitor
	if shape.Drift.Detector != "" {
		mon = drift.NewMonitor(shape.Drift, shape.Model)
	}
	return &ModelState{Model: name, Key: key, Learner: m, Window: w, Drift: mon}, nil
}

// Replacements is how many times a background learner replaced the key's
// model (0 without a drift monitor).
func (s *ModelState) Replacements() int64 {
	if s.Drift == nil {
		return 0
	}
	return s.Drift.Replacements
}

// Watermark returns the offset of the last input message applied (whole
// or in part) from a source partition, -1 if none.
func (s *ModelState) Watermark(topic string, partition int32) int64 {
	return s.Mark(topic, partition).Offset
}

// Mark returns the watermark of a source partition: offset -1 if none.
func (s *ModelState) Mark(topic string, partition int32) wire.Watermark {
	if i, ok := s.findWatermark(topic, partition); ok {
		return s.Watermarks[i]
	}
	return wire.Watermark{Topic: topic, Partition: partition, Offset: -1}
}

// Advance records the message at offset as applied whole for its source
// partition, keeping the watermarks sorted.
func (s *ModelState) Advance(topic string, partition int32, offset int64) {
	s.AdvanceTo(topic, partition, offset, 0)
}

// AdvanceTo records the message at offset as applied up to its rows of
// index below next (0: whole; see wire.Watermark.Next).
func (s *ModelState) AdvanceTo(topic string, partition int32, offset int64, next int32) {
	i, ok := s.findWatermark(topic, partition)
	if ok {
		s.Watermarks[i].Offset, s.Watermarks[i].Next = offset, next
		return
	}
	s.Watermarks = append(s.Watermarks, wire.Watermark{})
	copy(s.Watermarks[i+1:], s.Watermarks[i:])
	s.Watermarks[i] = wire.Watermark{Topic: topic, Partition: partition, Offset: offset, Next: next}
}

func (s *ModelState) findWatermark(topic string, partition int32) (int, bool) {
	i := sort.Search(len(s.Watermarks), func(i int) bool {
		w := s.Watermarks[i]
		return w.Topic > topic || (w.Topic == topic && w.Partition >= partition)
	})
	ok := i < len(s.Watermarks) && s.Watermarks[i].Topic == topic && s.Watermarks[i].Partition == partition
	return i, ok
}
