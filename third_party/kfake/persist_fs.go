package kfake

import (
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// fs wraps filesystem operations for testability. The default
// implementation delegates to the os package; tests can inject
// memFS for fault-injection and crash simulation.
type fs interface {
	OpenFile(name string, flag int, perm os.FileMode) (file, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	RemoveAll(path string) error
	MkdirAll(path string, perm os.FileMode) error
	ReadDir(name string) ([]os.DirEntry, error)
	ReadFile(name string) ([]byte, error)
	Stat(name string) (os.FileInfo, error)
}

// file wraps a writable, seekable file handle.
type file interface {
	io.Writer
	io.Reader
	io.Closer
	Seek(offset int64, whence int) (int64, error)
	Truncate(size int64) error
	Sync() error
}

// osFS is the real-filesystem implementation of fs.
type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	return os.OpenFile(name, flag, perm)
}
func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }
func (osFS) RemoveAll(path string) error                  { return os.RemoveAll(path) }
func (osFS) MkdirAll(path string, perm os.FileMode) error { return os.MkdirAll(path, perm) }
func (osFS) ReadDir(name string) ([]os.DirEntry, error)   { return os.ReadDir(name) }
func (osFS) ReadFile(name string) ([]byte, error)         { return os.ReadFile(name) }
func (osFS) Stat(name string) (os.FileInfo, error)        { return os.Stat(name) }

// memFS is an in-memory filesystem for testing persistence without
// touching the real disk. It supports fault injection via fail flags.
type memFS struct {
	mu    sync.Mutex
	files map[string]*memFileData
	dirs  map[string]bool
	chunk int64 // of its files' memory, memChunk but in tests

	// Fault injection: set these before an operation to simulate errors.
	failNextSync  error
	failNextWrite error
}

// memFileData is the backing storage for a memFS file: chunks of
// memChunk bytes, every one full but the last, so that a growing segment
// is never copied to a larger array (a 100 MiB segment grown by doubling
// copied 127 MiB and faulted in fresh pages at every step; streamsgd's
// patch). Only the first chunk grows by doubling, so small files (index,
// offsets) stay small. A byte once written is never changed in place: an
// overwrite or a truncation copies the chunk it changes first, so that
// SliceAt can hand out written bytes without a copy.
type memFileData struct {
	chunks  [][]byte
	chunk   int64 // the size of a full chunk
	size    int64
	modTime time.Time
}

// memChunk is the size of a full chunk of a memFS file.
const memChunk = 4 << 20

// resize makes the file n bytes long, the new bytes zero.
func (d *memFileData) resize(n int64) {
	if n <= d.size {
		k := int((n + d.chunk - 1) / d.chunk)
		clear(d.chunks[k:])
		d.chunks = d.chunks[:k]
		if k > 0 && n-int64(k-1)*d.chunk < int64(len(d.chunks[k-1])) {
			d.chunks[k-1] = cloneChunk(d.chunks[k-1][:n-int64(k-1)*d.chunk])
		}
		d.size = n
		return
	}
	for d.size < n {
		last := d.room(n - d.size)
		add := min(n-d.size, int64(cap(*last)-len(*last)))
		old := len(*last)
		*last = (*last)[:old+int(add)]
		clear((*last)[old:])
		d.size += add
	}
}

// room returns the last chunk with capacity for at least one more byte
// (up to want more), adding or growing a chunk when it has none.
func (d *memFileData) room(want int64) *[]byte {
	full := int(d.chunk)
	if k := len(d.chunks); k > 0 {
		last := &d.chunks[k-1]
		if len(*last) < cap(*last) {
			return last
		}
		if cap(*last) < full { // only the first chunk grows
			grown := make([]byte, len(*last), min(max(2*cap(*last), len(*last)+int(min(want, d.chunk))), full))
			copy(grown, *last)
			*last = grown
			return last
		}
	}
	size := full
	if len(d.chunks) == 0 {
		size = int(min(max(want, 512), d.chunk))
	}
	d.chunks = append(d.chunks, make([]byte, 0, size))
	return &d.chunks[len(d.chunks)-1]
}

// writeAt copies b into the file at pos, growing it as needed.
func (d *memFileData) writeAt(pos int64, b []byte) {
	if pos > d.size {
		d.resize(pos)
	}
	for len(b) > 0 && pos < d.size { // over existing bytes, copied first
		c := &d.chunks[pos/d.chunk]
		*c = cloneChunk(*c)
		n := copy((*c)[pos%d.chunk:], b)
		b, pos = b[n:], pos+int64(n)
	}
	for len(b) > 0 { // appended
		last := d.room(int64(len(b)))
		n := min(len(b), cap(*last)-len(*last))
		*last = append(*last, b[:n]...)
		b, d.size = b[n:], d.size+int64(n)
	}
}

// cloneChunk copies c into a new array of the same capacity.
func cloneChunk(c []byte) []byte {
	return append(make([]byte, 0, cap(c)), c...)
}

// readAt copies the file's bytes from pos into b.
func (d *memFileData) readAt(pos int64, b []byte) int {
	read := 0
	for len(b) > 0 && pos < d.size {
		n := copy(b, d.chunks[pos/d.chunk][pos%d.chunk:])
		b, pos, read = b[n:], pos+int64(n), read+n
	}
	return read
}

func newMemFS() *memFS {
	return &memFS{
		files: make(map[string]*memFileData),
		dirs:  map[string]bool{"/": true},
		chunk: memChunk,
	}
}

// memFile is an open handle to a memFS file.
type memFile struct {
	fs   *memFS
	name string
	d    *memFileData
	pos  int64
	flag int
}

func (m *memFS) OpenFile(name string, flag int, _ os.FileMode) (file, error) {
	m.mu.Lock()
	defer m.mu.Unlock()

	d, exists := m.files[name]
	if flag&os.O_CREATE != 0 && !exists {
		d = &memFileData{chunk: m.chunk, modTime: time.Now()}
		m.files[name] = d
	}
	if d == nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
	}
	if flag&os.O_TRUNC != 0 {
		d.resize(0)
		d.modTime = time.Now()
	}
	var pos int64
	if flag&os.O_APPEND != 0 {
		pos = d.size
	}
	return &memFile{fs: m, name: name, d: d, pos: pos, flag: flag}, nil
}

func (m *memFS) Rename(oldpath, newpath string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.files[oldpath]
	if !ok {
		return &os.PathError{Op: "rename", Path: oldpath, Err: os.ErrNotExist}
	}
	m.files[newpath] = d
	delete(m.files, oldpath)
	return nil
}

func (m *memFS) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.files[name]; ok {
		delete(m.files, name)
		return nil
	}
	if _, ok := m.dirs[name]; ok {
		delete(m.dirs, name)
		return nil
	}
	return &os.PathError{Op: "remove", Path: name, Err: os.ErrNotExist}
}

func (m *memFS) RemoveAll(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := path + "/"
	for k := range m.files {
		if k == path || strings.HasPrefix(k, prefix) {
			delete(m.files, k)
		}
	}
	for k := range m.dirs {
		if k == path || strings.HasPrefix(k, prefix) {
			delete(m.dirs, k)
		}
	}
	return nil
}

func (m *memFS) MkdirAll(path string, _ os.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dirs[path] = true
	return nil
}

func (m *memFS) ReadDir(name string) ([]os.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()

	prefix := name
	if prefix != "/" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}

	seen := make(map[string]bool)
	var entries []os.DirEntry
	for k, d := range m.files {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		rest := k[len(prefix):]
		// Only direct children (no further /).
		if slash := strings.IndexByte(rest, '/'); slash >= 0 {
			dirName := rest[:slash]
			if !seen[dirName] {
				seen[dirName] = true
				entries = append(entries, memDirEntry{name: dirName, isDir: true})
			}
			continue
		}
		if rest != "" && !seen[rest] {
			seen[rest] = true
			entries = append(entries, memDirEntry{name: rest, size: d.size})
		}
	}
	for k := range m.dirs {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		rest := k[len(prefix):]
		if rest != "" && !strings.Contains(rest, "/") && !seen[rest] {
			seen[rest] = true
			entries = append(entries, memDirEntry{name: rest, isDir: true})
		}
	}
	if len(entries) == 0 && !m.dirs[name] {
		return nil, &os.PathError{Op: "readdir", Path: name, Err: os.ErrNotExist}
	}
	return entries, nil
}

func (m *memFS) ReadFile(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.files[name]
	if !ok {
		return nil, &os.PathError{Op: "read", Path: name, Err: os.ErrNotExist}
	}
	out := make([]byte, d.size)
	d.readAt(0, out)
	return out, nil
}

func (m *memFS) Stat(name string) (os.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.files[name]; ok {
		return memFileInfo{name: name, size: d.size, modTime: d.modTime}, nil
	}
	if m.dirs[name] {
		return memFileInfo{name: name, isDir: true}, nil
	}
	return nil, &os.PathError{Op: "stat", Path: name, Err: os.ErrNotExist}
}

// memFile methods

func (f *memFile) Write(b []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.fs.failNextWrite; err != nil {
		f.fs.failNextWrite = nil
		return 0, err
	}
	// Match POSIX O_APPEND: writes always go to the end.
	if f.flag&os.O_APPEND != 0 {
		f.pos = f.d.size
	}
	f.d.writeAt(f.pos, b)
	f.pos += int64(len(b))
	f.d.modTime = time.Now()
	return len(b), nil
}

func (f *memFile) Read(b []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if f.pos >= f.d.size {
		return 0, io.EOF
	}
	n := f.d.readAt(f.pos, b)
	f.pos += int64(n)
	return n, nil
}

// AppendAt appends n of the file's bytes from off to dst, fewer at its
// end (appenderAt).
func (f *memFile) AppendAt(dst []byte, off int64, n int) []byte {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	end := min(off+int64(n), f.d.size)
	for off < end {
		c := f.d.chunks[off/f.d.chunk]
		k := min(int64(len(c)), off%f.d.chunk+end-off)
		dst = append(dst, c[off%f.d.chunk:k]...)
		off += k - off%f.d.chunk
	}
	return dst
}

// SliceAt returns the file's n bytes from off without a copy when they
// lie in one chunk (slicerAt): they never change.
func (f *memFile) SliceAt(off int64, n int) ([]byte, bool) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if off < 0 || off+int64(n) > f.d.size || off/f.d.chunk != (off+int64(n)-1)/f.d.chunk || n <= 0 {
		return nil, false
	}
	c := f.d.chunks[off/f.d.chunk]
	return c[off%f.d.chunk : off%f.d.chunk+int64(n) : off%f.d.chunk+int64(n)], true
}

func (f *memFile) Seek(offset int64, whence int) (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	switch whence {
	case io.SeekStart:
		f.pos = offset
	case io.SeekCurrent:
		f.pos += offset
	case io.SeekEnd:
		f.pos = f.d.size + offset
	}
	return f.pos, nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.d.resize(size)
	f.d.modTime = time.Now()
	return nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.fs.failNextSync; err != nil {
		f.fs.failNextSync = nil
		return err
	}
	return nil
}

func (*memFile) Close() error { return nil }

// memDirEntry implements os.DirEntry for memFS.
type memDirEntry struct {
	name  string
	isDir bool
	size  int64
}

func (e memDirEntry) Name() string    { return e.name }
func (e memDirEntry) IsDir() bool     { return e.isDir }
func (memDirEntry) Type() os.FileMode { return 0 }
func (e memDirEntry) Info() (os.FileInfo, error) {
	return memFileInfo{name: e.name, isDir: e.isDir, size: e.size}, nil
}

// memFileInfo implements os.FileInfo for memFS.
type memFileInfo struct {
	name    string
	size    int64
	isDir   bool
	modTime time.Time
}

func (i memFileInfo) Name() string       { return i.name }
func (i memFileInfo) Size() int64        { return i.size }
func (memFileInfo) Mode() os.FileMode    { return 0o644 }
func (i memFileInfo) ModTime() time.Time { return i.modTime }
func (i memFileInfo) IsDir() bool        { return i.isDir }
func (memFileInfo) Sys() any             { return nil }
