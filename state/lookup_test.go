package state

import (
	"bytes"
	"fmt"
	"testing"
)

// TestLookupPaths: whichever way get looks a key up (pebble's Get after
// lookups that found their keys, the filtered iterator after lookups that
// did not), it finds exactly the keys that are there, wherever pebble
// keeps them: memtable, L0 or the bottom level.
func TestLookupPaths(t *testing.T) {
	for _, place := range []string{"memtable", "L0", "bottom"} {
		t.Run(place, func(t *testing.T) {
			s, err := Open("db", Options{InMemory: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			present := map[string][]byte{"ab": []byte("v-ab"), "abc": []byte("v-abc"), "empty": {}, "gone": []byte("x")}
			for i := range 1000 {
				present[fmt.Sprintf("k%04d", i)] = []byte(fmt.Sprintf("v%d", i))
			}
			for k, v := range present {
				if err := s.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Delete("gone"); err != nil {
				t.Fatal(err)
			}
			delete(present, "gone")
			switch place {
			case "L0":
				if err := s.db.Flush(); err != nil {
					t.Fatal(err)
				}
			case "bottom":
				if err := s.db.Compact(t.Context(), []byte{0}, []byte{0xff}, false); err != nil {
					t.Fatal(err)
				}
				if n := s.db.Metrics().Levels[6].TablesCount; n == 0 {
					t.Fatalf("no table in L6 after Compact")
				}
			}
			absent := []string{"a", "abcd", "b", "gone", "k0000x", "k"}
			for _, filtered := range []bool{false, true} {
				stay := func() { // on this path, whatever the last lookup found
					s.misses.Store(0)
					if filtered {
						s.misses.Store(missesMax)
					}
				}
				// Steer the prediction: lookups that miss (or hit)
				// move it to the filtered iterator (or to Get).
				for range missesMax {
					k := "k0001"
					if filtered {
						k = "never"
					}
					if _, err := s.Get(k); err != nil {
						t.Fatal(err)
					}
				}
				if got := s.misses.Load() >= missesFiltered; got != filtered {
					t.Fatalf("filtered path = %v, want %v (misses %d)", got, filtered, s.misses.Load())
				}
				for k, want := range present {
					got, err := s.Get(k)
					if err != nil || got == nil || !bytes.Equal(got, want) {
						t.Fatalf("filtered %v: Get(%q) = %q, %v; want %q", filtered, k, got, err, want)
					}
					stay()
				}
				for _, k := range absent {
					got, err := s.Get(k)
					if err != nil || got != nil {
						t.Fatalf("filtered %v: Get(%q) = %q, %v; want nothing", filtered, k, got, err)
					}
					if ok, err := s.Has(k); err != nil || ok {
						t.Fatalf("filtered %v: Has(%q) = %v, %v", filtered, k, ok, err)
					}
					stay()
				}
			}
		})
	}
}

// TestLookupPrediction: the counter moves one step per lookup, within
// [0, missesMax].
func TestLookupPrediction(t *testing.T) {
	s, err := Open("db", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Set("here", []byte("v")); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		key  string
		want int32
	}{
		{"here", 0}, {"none", 1}, {"none", 2}, {"none", 3}, {"none", 3},
		{"here", 2}, {"here", 1}, {"none", 2}, {"here", 1}, {"here", 0}, {"here", 0},
	}
	for i, st := range steps {
		if _, err := s.Get(st.key); err != nil {
			t.Fatal(err)
		}
		if got := s.misses.Load(); got != st.want {
			t.Fatalf("step %d (%s): misses %d, want %d", i, st.key, got, st.want)
		}
	}
}
