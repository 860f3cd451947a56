package state

import (
	"bytes"
	"fmt"
	"math/rand/v2"
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

// TestLookupPathsAgree: after random writes, deletes, flushes and
// compactions, pebble's Get and the filtered iterator answer every lookup
// alike (present or not, and the same value).
func TestLookupPathsAgree(t *testing.T) {
	s, err := Open("db", Options{InMemory: true, MemTableSize: MinMemTableSize})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	key := func() string { return fmt.Sprintf("m/%d", rng.IntN(3000)) }
	for step := range 60_000 {
		switch r := rng.IntN(100); {
		case r < 55:
			v := make([]byte, rng.IntN(64))
			for i := range v {
				v[i] = byte(rng.Uint32())
			}
			if err := s.Set(key(), v); err != nil {
				t.Fatal(err)
			}
		case r < 65:
			if err := s.Delete(key()); err != nil {
				t.Fatal(err)
			}
		case r == 65 && step%7 == 0:
			if err := s.db.Compact(t.Context(), []byte{0}, []byte{0xff}, false); err != nil {
				t.Fatal(err)
			}
		default:
			k := key()
			kb := appendTableKey(nil, k)
			gv, gok, gerr := s.getValue(kb, true)
			fv, fok, ferr := s.seekFiltered(kb, true)
			if gerr != nil || ferr != nil || gok != fok || !bytes.Equal(gv, fv) || (gok && (gv == nil) != (fv == nil)) {
				t.Fatalf("step %d key %s: Get %v %q %v, filtered %v %q %v", step, k, gok, gv, gerr, fok, fv, ferr)
			}
		}
	}
	if n := s.db.Metrics().Levels[6].TablesCount; n == 0 {
		t.Errorf("no table reached L6: the bottom level's filters were not exercised")
	}
}
