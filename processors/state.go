package processors

import (
	"fmt"
	"sort"

	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// Watermark is the highest source offset a model state has applied from one
// source partition.
type Watermark struct {
	Topic     string
	Partition int32
	Offset    int64
}

// ModelState is the value of the learn table: everything one model key
// needs to continue learning exactly where it stopped.
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
	// Watermarks, sorted by topic then partition.
	Watermarks []Watermark
	// NextEmit is the row count at which the next metric snapshot is due.
	NextEmit int64
	// Shards is set in the merge table only (see Merge): the latest
	// ShardState of every shard of a data-parallel model, by shard index
	// (nil until the shard first publishes). Learner, Window, Rows and
	// Invalid are then those of the merged model.
	Shards []*ShardState
}

// newState makes the empty state of a model key.
func newState(spec ModelSpec, key string) (*ModelState, error) {
	m, err := model.New(spec.Model)
	if err != nil {
		return nil, fmt.Errorf("processors: model %s: %w", spec.Name, err)
	}
	w, err := metrics.NewWindow(spec.Window)
	if err != nil {
		return nil, fmt.Errorf("processors: model %s: %w", spec.Name, err)
	}
	return &ModelState{Model: spec.Name, Key: key, Learner: m, Window: w, NextEmit: spec.EmitEvery}, nil
}

// watermark is the offset of the last input message applied from a source
// partition, -1 if none.
func (s *ModelState) watermark(topic string, partition int32) int64 {
	if i, ok := s.findWatermark(topic, partition); ok {
		return s.Watermarks[i].Offset
	}
	return -1
}

// advance records offset as applied for its source partition.
func (s *ModelState) advance(topic string, partition int32, offset int64) {
	i, ok := s.findWatermark(topic, partition)
	if ok {
		s.Watermarks[i].Offset = offset
		return
	}
	s.Watermarks = append(s.Watermarks, Watermark{})
	copy(s.Watermarks[i+1:], s.Watermarks[i:])
	s.Watermarks[i] = Watermark{Topic: topic, Partition: partition, Offset: offset}
}

func (s *ModelState) findWatermark(topic string, partition int32) (int, bool) {
	i := sort.Search(len(s.Watermarks), func(i int) bool {
		w := s.Watermarks[i]
		return w.Topic > topic || (w.Topic == topic && w.Partition >= partition)
	})
	ok := i < len(s.Watermarks) && s.Watermarks[i].Topic == topic && s.Watermarks[i].Partition == partition
	return i, ok
}
