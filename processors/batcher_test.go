package processors

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// recordingSink records the order of emitted batches and acknowledges them
// asynchronously, after random delays, possibly out of order.
type recordingSink struct {
	mu      sync.Mutex
	offsets []int64
	rows    []int
	fail    bool
}

func (s *recordingSink) Emit(key string, b *wire.ExampleBatch, done func(error)) {
	s.mu.Lock()
	s.offsets = append(s.offsets, b.Source.Offset)
	s.rows = append(s.rows, len(b.Rows))
	fail := s.fail
	s.mu.Unlock()
	go func() {
		time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
		if fail {
			done(errors.New("broker down"))
			return
		}
		done(nil)
	}()
}

// TestBatcherOrders: with a flusher racing full-buffer flushes, batches
// reach the sink in offset order and commits are released in offset order,
// each once.
func TestBatcherOrders(t *testing.T) {
	sink := &recordingSink{}
	b := newBatcher(sink, 7, nil)
	var mu sync.Mutex
	var committed []int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the flusher
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				b.flush()
			}
		}
	}()
	const n = 3000
	for off := int64(0); off < n; off++ {
		eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in", Offset: off}, Model: "m", Key: "m",
			Rows: []wire.Row{{Offset: off, Features: []float64{1}}}}
		commit := func(err error) {
			if err != nil {
				t.Errorf("commit %d: %v", off, err)
			}
			mu.Lock()
			committed = append(committed, off)
			mu.Unlock()
		}
		if b.addMessage([]*wire.ExampleBatch{eb}, commit) {
			b.flush()
		}
	}
	close(stop)
	wg.Wait()
	b.flush()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		done := len(committed) == n
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < len(sink.offsets); i++ {
		if sink.offsets[i] <= sink.offsets[i-1] {
			t.Fatalf("batch %d (offset %d) reached the sink after offset %d", i, sink.offsets[i], sink.offsets[i-1])
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(committed) != n {
		t.Fatalf("%d commits, want %d", len(committed), n)
	}
	for i, off := range committed {
		if off != int64(i) {
			t.Fatalf("commit %d released for offset %d", i, off)
		}
	}
}

// TestBatcherFailedWrite: a failed write fails the commits it covers.
func TestBatcherFailedWrite(t *testing.T) {
	sink := &recordingSink{fail: true}
	b := newBatcher(sink, 100, nil)
	errs := make(chan error, 2)
	for off := int64(0); off < 2; off++ {
		eb := &wire.ExampleBatch{Source: wire.Source{Offset: off}, Key: "m", Rows: []wire.Row{{Offset: off}}}
		b.addMessage([]*wire.ExampleBatch{eb}, func(err error) { errs <- err })
	}
	b.flush()
	for i := 0; i < 2; i++ {
		if err := <-errs; err == nil {
			t.Errorf("commit %d: no error after a failed write", i)
		}
	}
}

// TestBatcherNoRows: a message whose rows all went to the dead-letter
// topic still gets its commit.
func TestBatcherNoRows(t *testing.T) {
	b := newBatcher(&recordingSink{}, 10, nil)
	done := make(chan error, 1)
	b.addMessage(nil, func(err error) { done <- err })
	b.flush()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(time.Second):
		t.Fatal("commit never released")
	}
}

// TestBatcherSplitsByCap: a key's batch never holds more rows than capOf
// allows (route's byte bound); the rows of each message stay together and
// every commit is released, in order, after its rows were written.
func TestBatcherSplitsByCap(t *testing.T) {
	sink := &recordingSink{}
	b := newBatcher(sink, 1000, func(*wire.ExampleBatch) int { return 5 })
	commits := make(chan int64, 10)
	for off := int64(0); off < 10; off++ {
		eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in", Offset: off}, Model: "m", Key: "m",
			Rows: []wire.Row{{Offset: off}, {Index: 1, Offset: off}}}
		b.addMessage([]*wire.ExampleBatch{eb}, func(err error) {
			if err != nil {
				t.Error(err)
			}
			commits <- off
		})
	}
	b.flush()
	var committed []int64
	for range 10 {
		select {
		case off := <-commits:
			committed = append(committed, off)
		case <-time.After(5 * time.Second):
			t.Fatalf("commits %v, then none", committed)
		}
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	// 2+2 rows fit 5, a third message does not: batches of messages 0-1,
	// 2-3, 4-5, 6-7, 8-9.
	if want := []int64{1, 3, 5, 7, 9}; !slices.Equal(sink.offsets, want) {
		t.Fatalf("batches ended at offsets %v, want %v", sink.offsets, want)
	}
	for _, n := range sink.rows {
		if n > 5 {
			t.Fatalf("a batch of %d rows, cap 5", n)
		}
	}
	if len(committed) != 10 || !slices.IsSorted(committed) {
		t.Fatalf("commits %v", committed)
	}
}
