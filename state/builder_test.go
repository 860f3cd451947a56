package state

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lovoo/goka/storage"
)

func build(t *testing.T, b storage.Builder, topic string, partition int32) storage.Storage {
	t.Helper()
	st, err := b(topic, partition)
	if err != nil {
		t.Fatalf("builder(%q, %d): %v", topic, partition, err)
	}
	if err := st.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

func TestBuilderKeepsPartitionsApart(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"disk", Options{Dir: t.TempDir()}},
		{"in-memory", Options{Dir: "base", InMemory: true}},
	}
	parts := []struct {
		topic     string
		partition int32
	}{{"table", 0}, {"table", 1}, {"other", 0}, {"a/b", 0}, {"a_b", 0}, {"a%2Fb", 0}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Builder(tt.opts)
			for i, p := range parts {
				st := build(t, b, p.topic, p.partition)
				mustSet(t, st, "shared-key", p.topic+string(rune('0'+i)))
				if err := st.SetOffset(int64(i)); err != nil {
					t.Fatalf("SetOffset: %v", err)
				}
				if err := st.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
			}
			for i, p := range parts { // reopened through the same builder
				st := build(t, b, p.topic, p.partition)
				wantGet(t, st, "shared-key", []byte(p.topic+string(rune('0'+i))))
				wantOffset(t, st, -2, int64(i))
				it, err := st.Iterator()
				wantPairs(t, it, err, "shared-key="+p.topic+string(rune('0'+i)))
				if err := st.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
			}
		})
	}
}

func TestBuilderDirectories(t *testing.T) {
	base := t.TempDir()
	b := Builder(Options{Dir: base})
	for _, p := range []struct {
		topic     string
		partition int32
	}{{"orders-table", 3}, {"a/b", 0}, {"..", 1}} {
		if err := build(t, b, p.topic, p.partition).Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{"...1", "a%2Fb.0", "orders-table.3"}
	if !slices.Equal(got, want) {
		t.Fatalf("directories %q, want %q", got, want)
	}
	files, err := os.ReadDir(filepath.Join(base, "a%2Fb.0"))
	if err != nil || !slices.ContainsFunc(files, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), "MANIFEST-") }) {
		t.Fatalf("no pebble DB in a%%2Fb.0: %v %v", files, err)
	}
}

func TestBuilderErrors(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		topic     string
		partition int32
		want      error
	}{
		{"no-dir", Options{InMemory: true}, "t", 0, ErrInvalidOptions},
		{"empty-topic", Options{Dir: "d", InMemory: true}, "", 0, ErrInvalidPartition},
		{"negative-partition", Options{Dir: "d", InMemory: true}, "t", -1, ErrInvalidPartition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Builder(tt.opts)(tt.topic, tt.partition)
			if !errors.Is(err, tt.want) || st != nil {
				t.Fatalf("builder = %v, %v; want nil, %v", st, err, tt.want)
			}
		})
	}
}

func TestEscapeTopic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"orders", "orders"},
		{"My.Topic_v2-x", "My.Topic_v2-x"},
		{"a/b", "a%2Fb"},
		{"a%b", "a%25b"},
		{"..", ".."},
		{"ü", "%C3%BC"},
		{"\x00", "%00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := escapeTopic(tt.in); got != tt.want {
				t.Fatalf("escapeTopic(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
