package state

import (
	"fmt"
	"testing"
)

// TestStage: staged writes are invisible until committed (by size, by a
// Set, by MarkRecovered or by Close), the offset is committed with them,
// and a reopened store holds them all.
func TestStage(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := s.Stage(fmt.Sprintf("k%d", i), []byte("v")); err != nil {
			t.Fatal(err)
		}
		if err := s.SetOffset(int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Get("k0"); err != nil || v != nil {
		t.Fatalf("staged write visible before commit: %q %v", v, err)
	}
	if err := s.MarkRecovered(); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("k9"); err != nil || string(v) != "v" {
		t.Fatalf("after MarkRecovered: %q %v", v, err)
	}
	if err := s.Stage("k0", nil); err != nil { // a staged delete
		t.Fatal(err)
	}
	if err := s.Set("x", []byte("y")); err != nil { // commits the staged delete with it
		t.Fatal(err)
	}
	if ok, _ := s.Has("k0"); ok {
		t.Error("staged delete not committed by Set")
	}
	// Past the size threshold, Stage commits by itself.
	big := make([]byte, 4096)
	for i := range 2 * stageCommitBytes / len(big) {
		if err := s.Stage(fmt.Sprintf("b%04d", i), big); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := s.Has("b0000"); !ok {
		t.Error("Stage did not commit past its threshold")
	}
	if err := s.SetOffset(99); err != nil {
		t.Fatal(err)
	}
	if err := s.Stage("last", []byte("z")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Get("last"); err != nil || string(v) != "z" {
		t.Errorf("staged write not committed by Close: %q %v", v, err)
	}
	if off, err := s.GetOffset(-1); err != nil || off != 99 {
		t.Errorf("offset %d %v, want 99", off, err)
	}
}
