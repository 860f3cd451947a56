package kafkaclient

import "testing"

// TestInFlightCommitsInOrder: a completed message moves the committed
// offset only past the prefix of delivered messages that all completed.
func TestInFlightCommitsInOrder(t *testing.T) {
	type step struct {
		deliver  []int64 // offsets delivered before the completion
		complete int64
		commit   int64 // -1: nothing to commit
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"in order", []step{
			{deliver: []int64{0, 1, 2}, complete: 0, commit: 1},
			{complete: 1, commit: 2},
			{complete: 2, commit: 3},
		}},
		{"later first", []step{
			{deliver: []int64{0, 1, 2}, complete: 2, commit: -1},
			{complete: 1, commit: -1},
			{complete: 0, commit: 3},
		}},
		{"a gap in the offsets (transaction markers, compaction)", []step{
			{deliver: []int64{4, 7, 9}, complete: 7, commit: -1},
			{complete: 4, commit: 8},
			{deliver: []int64{12}, complete: 12, commit: -1},
			{complete: 9, commit: 13},
		}},
		{"the middle completes last", []step{
			{deliver: []int64{0, 1, 2, 3}, complete: 0, commit: 1},
			{complete: 2, commit: -1},
			{complete: 3, commit: -1},
			{complete: 1, commit: 4},
		}},
		{"nothing in flight", []step{
			{complete: 5, commit: 6},
		}},
		{"untracked before the oldest in flight", []step{
			{deliver: []int64{10, 11}, complete: 3, commit: 4},
			{complete: 12, commit: -1},
			{complete: 10, commit: 11},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f inFlight
			for i, s := range tc.steps {
				for _, o := range s.deliver {
					f.delivered(o)
				}
				next, ok := f.completed(s.complete)
				switch {
				case s.commit < 0 && ok:
					t.Errorf("step %d: completing %d commits %d, want nothing", i, s.complete, next)
				case s.commit >= 0 && (!ok || next != s.commit):
					t.Errorf("step %d: completing %d commits %d (%v), want %d", i, s.complete, next, ok, s.commit)
				}
			}
		})
	}
}

// TestInFlightReusesSpace: a long stream with a message always in flight
// keeps the tracking slices small.
func TestInFlightReusesSpace(t *testing.T) {
	var f inFlight
	f.delivered(0)
	for o := int64(1); o < 100_000; o++ {
		f.delivered(o)
		if next, ok := f.completed(o - 1); !ok || next != o {
			t.Fatalf("completing %d: %d %v, want %d", o-1, next, ok, o)
		}
	}
	if c := cap(f.offsets); c > 16 {
		t.Errorf("tracking holds space for %d offsets after 100k messages, one in flight", c)
	}
}
