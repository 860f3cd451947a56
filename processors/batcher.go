package processors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// Sink writes ExampleBatches to the examples topic; done is called once the
// write is acknowledged or has failed.
type Sink interface {
	Emit(key string, b *wire.ExampleBatch, done func(error))
}

// Defaults of the route's batching.
const (
	DefaultMaxRows = 256
	DefaultLinger  = 5 * time.Millisecond
)

// batcher gathers the rows of consecutive input messages of one source
// partition into one ExampleBatch per model key. The commit of every input
// message is deferred until the batches holding its rows are acknowledged,
// and commits are released in offset order, so a crash never skips rows
// that were not written.
type batcher struct {
	sink    Sink
	maxRows int
	capOf   func(*wire.ExampleBatch) int // the most rows a batch of a key may hold

	// scratch is the route output of the partition's current message.
	scratch RouteOutput

	// emitting is held from taking the buffer until its batches are handed
	// to the sink, so that flushes reach the sink in buffer order (the
	// flusher and a full buffer may flush at the same time).
	emitting sync.Mutex

	mu      sync.Mutex
	batches []*wire.ExampleBatch
	byKey   map[string]*wire.ExampleBatch
	rows    int
	commits []func(error)
	since   time.Time // when the buffer stopped being empty
	issued  uint64    // sequence number of the next flush

	done     sync.Mutex
	next     uint64 // sequence number of the next flush to complete
	finished map[uint64]completion
}

type completion struct {
	commits []func(error)
	err     error
}

func newBatcher(sink Sink, maxRows int, capOf func(*wire.ExampleBatch) int) *batcher {
	return &batcher{sink: sink, maxRows: maxRows, capOf: capOf, byKey: map[string]*wire.ExampleBatch{}, finished: map[uint64]completion{}}
}

// add buffers the batches of one input message, up to the first one that
// would make its key's buffered batch hold more rows than capOf allows; it
// returns the batches it did not take (to add again after a flush).
func (b *batcher) add(batches []*wire.ExampleBatch) (rest []*wire.ExampleBatch) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.touch()
	for i, nb := range batches {
		cur := b.byKey[nb.Key]
		if cur != nil && b.capOf != nil && len(cur.Rows)+len(nb.Rows) > b.capOf(cur) {
			return batches[i:]
		}
		if cur == nil {
			cur = &wire.ExampleBatch{Source: nb.Source, Model: nb.Model, Key: nb.Key}
			b.byKey[nb.Key] = cur
			b.batches = append(b.batches, cur)
		}
		cur.Rows = append(cur.Rows, nb.Rows...)
		cur.Invalid += nb.Invalid
		cur.Source.Offset = nb.Source.Offset
		cur.Partial = nb.Partial
		b.rows += len(nb.Rows)
	}
	return nil
}

// commit buffers the deferred commit of the message whose batches were all
// added, and reports whether the buffer is full.
func (b *batcher) commit(commit func(error)) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.touch()
	b.commits = append(b.commits, commit)
	return b.rows >= b.maxRows
}

// touch notes when the buffer stops being empty; b.mu is held.
func (b *batcher) touch() {
	if len(b.commits) == 0 && len(b.batches) == 0 {
		b.since = time.Now()
	}
}

// due reports whether the oldest buffered message waited at least linger.
func (b *batcher) due(linger time.Duration) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return (len(b.commits) > 0 || len(b.batches) > 0) && time.Since(b.since) >= linger
}

// flush writes what is buffered; its commits are released once every write
// of this flush and of all earlier flushes completed.
func (b *batcher) flush() {
	b.emitting.Lock()
	defer b.emitting.Unlock()
	b.mu.Lock()
	batches, commits := b.batches, b.commits
	b.batches, b.commits, b.rows = nil, nil, 0
	clear(b.byKey)
	if len(commits) == 0 && len(batches) == 0 {
		b.mu.Unlock()
		return
	}
	seq := b.issued
	b.issued++
	b.mu.Unlock()

	if len(batches) == 0 {
		b.complete(seq, commits, nil)
		return
	}
	var (
		mu      sync.Mutex
		pending = len(batches)
		errs    []error
	)
	for _, eb := range batches {
		b.sink.Emit(eb.Key, eb, func(err error) {
			mu.Lock()
			pending--
			if err != nil {
				errs = append(errs, err)
			}
			last := pending == 0
			mu.Unlock()
			if last {
				b.complete(seq, commits, errors.Join(errs...))
			}
		})
	}
}

// complete records a finished flush and releases, in order, the commits of
// every flush whose predecessors all finished.
func (b *batcher) complete(seq uint64, commits []func(error), err error) {
	b.done.Lock()
	defer b.done.Unlock()
	b.finished[seq] = completion{commits: commits, err: err}
	for {
		c, ok := b.finished[b.next]
		if !ok {
			return
		}
		delete(b.finished, b.next)
		b.next++
		for _, commit := range c.commits {
			commit(c.err)
		}
	}
}

// batchers holds one batcher per source topic and partition.
type batchers struct {
	sink    Sink
	maxRows int
	capOf   func(*wire.ExampleBatch) int
	mu      sync.Mutex
	m       map[wire.Source]*batcher
}

func (bs *batchers) get(topic string, partition int32) *batcher {
	k := wire.Source{Topic: topic, Partition: partition}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	b := bs.m[k]
	if b == nil {
		b = newBatcher(bs.sink, bs.maxRows, bs.capOf)
		bs.m[k] = b
	}
	return b
}

func (bs *batchers) all() []*batcher {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make([]*batcher, 0, len(bs.m))
	for _, b := range bs.m {
		out = append(out, b)
	}
	return out
}

// process buffers one input message's batches under a deferred commit.
// When a key's buffered batch cannot take the message's rows without
// outgrowing its byte bound, what is buffered is flushed first (route
// makes every batch of one message fit alone); the commit is released
// only after the flush holding the message's last rows completes.
//
// A message with dead-lettered rows ends its batch: Invalid then counts the
// rows of the batch's last message only (Source.Offset), so that a learner
// which already applied that message does not count them twice.
func (bs *batchers) process(ctx goka.Context, batches []*wire.ExampleBatch) {
	b := bs.get(string(ctx.Topic()), ctx.Partition())
	if b.addMessage(batches, ctx.DeferCommit()) || hasInvalid(batches) {
		b.flush()
	}
}

// addMessage buffers one message's batches and its deferred commit,
// flushing first whatever a key's batch could not take more of; it reports
// whether the buffer is full.
func (b *batcher) addMessage(batches []*wire.ExampleBatch, commit func(error)) bool {
	for rest := b.add(batches); len(rest) > 0; rest = b.add(rest) {
		b.flush()
	}
	return b.commit(commit)
}

func hasInvalid(batches []*wire.ExampleBatch) bool {
	for _, eb := range batches {
		if eb.Invalid > 0 {
			return true
		}
	}
	return false
}

// run flushes buffers older than linger until ctx is done, then flushes
// everything once more.
func (bs *batchers) run(ctx context.Context, linger time.Duration) error {
	if linger <= 0 {
		return fmt.Errorf("processors: route linger must be > 0, got %v", linger)
	}
	t := time.NewTicker(linger / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, b := range bs.all() {
				b.flush()
			}
			return nil
		case <-t.C:
			for _, b := range bs.all() {
				if b.due(linger) {
					b.flush()
				}
			}
		}
	}
}
