package state

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLockDir: a locked directory refuses a second lock, of this process
// or of another one, with the directory named; closing the lock frees it.
func TestLockDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDir(dir); err == nil || !strings.Contains(err.Error(), dir+" is in use") {
		t.Fatalf("second lock in this process: %v", err)
	}
	// Another process: this test binary again, locking the same directory.
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDirChild$")
	cmd.Env = append(os.Environ(), "STATE_LOCK_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is in use by another process") {
		t.Fatalf("second lock in another process: %v\n%s", err, out)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = LockDir(dir)
	if err != nil {
		t.Fatalf("lock after close: %v", err)
	}
	l.Close()
}

// TestLockDirChild is TestLockDir's other process.
func TestLockDirChild(t *testing.T) {
	dir := os.Getenv("STATE_LOCK_DIR")
	if dir == "" {
		t.Skip("run by TestLockDir")
	}
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

// TestLockDirs: directories are locked all together or not at all.
func TestLockDirs(t *testing.T) {
	base := t.TempDir()
	a, b, c := filepath.Join(base, "a"), filepath.Join(base, "b"), filepath.Join(base, "c")
	held, err := LockDir(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDirs(a, b, c); err == nil || !strings.Contains(err.Error(), b+" is in use") {
		t.Fatalf("LockDirs over a held directory: %v", err)
	}
	held.Close()
	all, err := LockDirs(a, b, c) // a was released when b failed
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	if err := all.Close(); err != nil {
		t.Fatal(err)
	}
}
