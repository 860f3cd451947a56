package state

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/lovoo/goka/storage"
)

// impl is one storage.Storage implementation under the conformance suite.
type impl struct {
	name string
	new  func(t *testing.T) storage.Storage
}

// impls are the implementations every behaviour runs against: goka's own
// memory storage is the reference.
func impls() []impl {
	return []impl{
		{"goka-memory", func(*testing.T) storage.Storage { return storage.NewMemory() }},
		{"pebble-wal", func(t *testing.T) storage.Storage { return openTest(t, Options{InMemory: true}) }},
		{"pebble-nowal", func(t *testing.T) storage.Storage {
			return openTest(t, Options{InMemory: true, DisableWAL: true})
		}},
	}
}

// openTest opens a Store at "db" with o and closes it at the end of the test.
func openTest(t *testing.T, o Options) *Store {
	t.Helper()
	s, err := Open("db", o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// behaviours is the table of storage.Storage behaviours goka relies on.
// An entry of skip names an implementation that is known to differ, and why.
var behaviours = []struct {
	name string
	run  func(t *testing.T, st storage.Storage)
	skip map[string]string
}{
	{"get-missing-is-nil", testGetMissing, nil},
	{"set-get-has", testSetGetHas, nil},
	{"overwrite", testOverwrite, nil},
	{"empty-value-is-not-missing", testEmptyValue, nil},
	{"nil-value-rejected", testNilValue, nil},
	{"delete", testDelete, nil},
	{"offset-default", testOffsetDefault, nil},
	{"offset-set-get", testOffsetSetGet, nil},
	{"offset-hidden", testOffsetHidden, nil},
	{"mark-recovered", testMarkRecovered, nil},
	{"iterate-all-in-order", testIterateAll, nil},
	{"iterate-skips-deleted", testIterateSkipsDeleted, nil},
	{"iterate-snapshot", testIterateSnapshot, nil},
	{"range-half-open", testRangeHalfOpen, nil},
	{"range-prefix-when-no-limit", testRangePrefix, nil},
	{"range-empty-is-all", testRangeAll, map[string]string{"goka-memory": memoryNilRange}},
	{"seek", testSeek, nil},
	{"released-iterator-is-exhausted", testReleased, nil},
}

// memoryNilRange: goka's memory storage turns IteratorWithRange(nil, nil)
// into keys in ["", ""] (it compares with an inclusive nil limit), so it
// returns at most the empty key; goka's LevelDB storage returns every key,
// and so does Store.
const memoryNilRange = "goka memory storage: IteratorWithRange(nil, nil) selects only the empty key"

func TestConformance(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			for _, b := range behaviours {
				t.Run(b.name, func(t *testing.T) {
					if why, ok := b.skip[im.name]; ok {
						t.Skip(why)
					}
					st := im.new(t)
					if err := st.Open(); err != nil {
						t.Fatalf("Open: %v", err)
					}
					b.run(t, st)
				})
			}
		})
	}
}

func mustSet(t *testing.T, st storage.Storage, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := st.Set(kv[i], []byte(kv[i+1])); err != nil {
			t.Fatalf("Set(%q): %v", kv[i], err)
		}
	}
}

func wantGet(t *testing.T, st storage.Storage, key string, want []byte) {
	t.Helper()
	got, err := st.Get(key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %q (nil %t), want %q (nil %t)", key, got, got == nil, want, want == nil)
	}
	has, err := st.Has(key)
	if err != nil || has != (want != nil) {
		t.Fatalf("Has(%q) = %t, %v; want %t", key, has, err, want != nil)
	}
}

func wantOffset(t *testing.T, st storage.Storage, def, want int64) {
	t.Helper()
	got, err := st.GetOffset(def)
	if err != nil || got != want {
		t.Fatalf("GetOffset(%d) = %d, %v; want %d", def, got, err, want)
	}
}

// collect drains it and returns "key=value" pairs.
func collect(t *testing.T, it storage.Iterator) []string {
	t.Helper()
	defer it.Release()
	var out []string
	for it.Next() {
		v, err := it.Value()
		if err != nil {
			t.Fatalf("Value: %v", err)
		}
		out = append(out, fmt.Sprintf("%s=%s", it.Key(), v))
	}
	if err := it.Err(); err != nil {
		t.Fatalf("Err: %v", err)
	}
	return out
}

func wantPairs(t *testing.T, it storage.Iterator, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("iterator: %v", err)
	}
	if got := collect(t, it); !slices.Equal(got, want) {
		t.Fatalf("iterated %q, want %q", got, want)
	}
}

func testGetMissing(t *testing.T, st storage.Storage) {
	wantGet(t, st, "missing", nil)
	wantGet(t, st, "", nil)
}

func testSetGetHas(t *testing.T, st storage.Storage) {
	mustSet(t, st, "k1", "v1", "", "empty-key", "\x00\xff", "binary")
	wantGet(t, st, "k1", []byte("v1"))
	wantGet(t, st, "", []byte("empty-key"))
	wantGet(t, st, "\x00\xff", []byte("binary"))
	wantGet(t, st, "k2", nil)
}

func testOverwrite(t *testing.T, st storage.Storage) {
	mustSet(t, st, "k", "old", "k", "new")
	wantGet(t, st, "k", []byte("new"))
}

func testEmptyValue(t *testing.T, st storage.Storage) {
	if err := st.Set("k", []byte{}); err != nil {
		t.Fatalf("Set empty: %v", err)
	}
	wantGet(t, st, "k", []byte{})
}

func testNilValue(t *testing.T, st storage.Storage) {
	if err := st.Set("k", nil); err == nil {
		t.Fatal("Set(nil) succeeded")
	}
	wantGet(t, st, "k", nil)
}

func testDelete(t *testing.T, st storage.Storage) {
	mustSet(t, st, "k", "v", "other", "w")
	for _, key := range []string{"k", "k", "never-set"} {
		if err := st.Delete(key); err != nil {
			t.Fatalf("Delete(%q): %v", key, err)
		}
	}
	wantGet(t, st, "k", nil)
	wantGet(t, st, "other", []byte("w"))
}

func testOffsetDefault(t *testing.T, st storage.Storage) {
	wantOffset(t, st, -2, -2)
	wantOffset(t, st, 7, 7)
}

func testOffsetSetGet(t *testing.T, st storage.Storage) {
	for _, off := range []int64{0, 100, 101, 5, -1} {
		if err := st.SetOffset(off); err != nil {
			t.Fatalf("SetOffset(%d): %v", off, err)
		}
		wantOffset(t, st, -2, off)
	}
}

func testOffsetHidden(t *testing.T, st storage.Storage) {
	mustSet(t, st, "a", "1")
	if err := st.SetOffset(42); err != nil {
		t.Fatalf("SetOffset: %v", err)
	}
	mustSet(t, st, "b", "2") // writes the offset beside b in the pebble store
	wantGet(t, st, "__offset", nil)
	it, err := st.Iterator()
	wantPairs(t, it, err, "a=1", "b=2")
	it, err = st.IteratorWithRange([]byte("a"), []byte("c"))
	wantPairs(t, it, err, "a=1", "b=2")
	wantOffset(t, st, -2, 42)
}

func testMarkRecovered(t *testing.T, st storage.Storage) {
	if err := st.SetOffset(10); err != nil {
		t.Fatalf("SetOffset: %v", err)
	}
	for range 2 {
		if err := st.MarkRecovered(); err != nil {
			t.Fatalf("MarkRecovered: %v", err)
		}
	}
	if err := st.SetOffset(11); err != nil {
		t.Fatalf("SetOffset: %v", err)
	}
	wantOffset(t, st, -2, 11)
}

func testIterateAll(t *testing.T, st storage.Storage) {
	mustSet(t, st, "key-3", "c", "key-1", "a", "key-2", "b", "A", "upper")
	it, err := st.Iterator()
	wantPairs(t, it, err, "A=upper", "key-1=a", "key-2=b", "key-3=c")
}

func testIterateSkipsDeleted(t *testing.T, st storage.Storage) {
	mustSet(t, st, "a", "1", "b", "2", "c", "3")
	if err := st.Delete("b"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	it, err := st.Iterator()
	wantPairs(t, it, err, "a=1", "c=3")
}

func testIterateSnapshot(t *testing.T, st storage.Storage) {
	mustSet(t, st, "a", "1")
	it, err := st.Iterator()
	if err != nil {
		t.Fatalf("Iterator: %v", err)
	}
	mustSet(t, st, "b", "2", "a", "changed")
	wantPairs(t, it, nil, "a=1")
}

// rangeKeys is the data set of the range behaviours.
var rangeKeys = []string{"a1", "1", "a2", "2", "a3", "3", "a4", "4", "b1", "5", "b\xff", "6"}

func testRangeHalfOpen(t *testing.T, st storage.Storage) {
	mustSet(t, st, rangeKeys...)
	// goka's memory storage includes a limit that is a stored key; the
	// interface says [start, limit), so the limit here is not a stored key.
	it, err := st.IteratorWithRange([]byte("a2"), []byte("a3x"))
	wantPairs(t, it, err, "a2=2", "a3=3")
	it, err = st.IteratorWithRange([]byte("a"), []byte("b"))
	wantPairs(t, it, err, "a1=1", "a2=2", "a3=3", "a4=4")
}

func testRangePrefix(t *testing.T, st storage.Storage) {
	mustSet(t, st, rangeKeys...)
	it, err := st.IteratorWithRange([]byte("a"), nil)
	wantPairs(t, it, err, "a1=1", "a2=2", "a3=3", "a4=4")
	it, err = st.IteratorWithRange([]byte("b"), nil)
	wantPairs(t, it, err, "b1=5", "b\xff=6")
	it, err = st.IteratorWithRange([]byte("c"), nil)
	wantPairs(t, it, err)
}

func testRangeAll(t *testing.T, st storage.Storage) {
	mustSet(t, st, "x", "1", "a", "2")
	it, err := st.IteratorWithRange(nil, nil)
	wantPairs(t, it, err, "a=2", "x=1")
}

func testSeek(t *testing.T, st storage.Storage) {
	mustSet(t, st, "key-1", "a", "key-2", "b", "key-3", "c")
	it, err := st.Iterator()
	if err != nil {
		t.Fatalf("Iterator: %v", err)
	}
	defer it.Release()
	if !it.Seek([]byte("key-2")) || string(it.Key()) != "key-2" {
		t.Fatalf("Seek(key-2): key %q", it.Key())
	}
	if v, err := it.Value(); err != nil || string(v) != "b" {
		t.Fatalf("Value after Seek = %q, %v", v, err)
	}
	if !it.Next() || string(it.Key()) != "key-3" {
		t.Fatalf("Next after Seek: key %q", it.Key())
	}
	if it.Seek([]byte("key-4")) || it.Key() != nil {
		t.Fatalf("Seek(key-4) past the end: key %q", it.Key())
	}
	if v, err := it.Value(); v != nil || err != nil {
		t.Fatalf("Value past the end = %q, %v", v, err)
	}
}

func testReleased(t *testing.T, st storage.Storage) {
	mustSet(t, st, "a", "1")
	it, err := st.Iterator()
	if err != nil {
		t.Fatalf("Iterator: %v", err)
	}
	it.Release()
	it.Release()
	if it.Next() || it.Seek([]byte("a")) || it.Key() != nil {
		t.Fatal("released iterator still moves")
	}
	if err := it.Err(); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatalf("Err after Release: %v", err)
	}
}
