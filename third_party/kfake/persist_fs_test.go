package kfake

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestMemFileMatchesOSFile applies the same random writes, seeks, reads
// (also AppendAt's and SliceAt's) and truncations to a memFS file and to a real one and compares what
// they hold and return, across memFS's chunk boundaries (streamsgd's
// patch: chunked memFS files), and checks that the bytes SliceAt handed
// out never change.
func TestMemFileMatchesOSFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		flag int
		max  int // largest write
	}{
		{"append small", os.O_RDWR | os.O_APPEND, 300},
		{"append large", os.O_RDWR | os.O_APPEND, 3 * testChunk / 2},
		{"positioned", os.O_RDWR, testChunk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.max)))
			path := filepath.Join(t.TempDir(), "f")
			osf, err := osFS{}.OpenFile(path, os.O_CREATE|tc.flag, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			defer osf.Close()
			mfs := newMemFS()
			mfs.chunk = testChunk // many chunk boundaries, quickly
			mf, err := mfs.OpenFile("/f", os.O_CREATE|tc.flag, 0)
			if err != nil {
				t.Fatal(err)
			}
			// Bytes SliceAt handed out, with what they held: they must
			// not change whatever the file goes through.
			type alias struct {
				off int64
				n   int
			}
			var aliases []alias
			var held, heldWant [][]byte
			for op := range 400 {
				switch k := r.IntN(10); {
				case k < 5: // write
					b := make([]byte, 1+r.IntN(tc.max))
					for i := range b {
						b[i] = byte(r.Uint32())
					}
					n1, err1 := osf.Write(b)
					n2, err2 := mf.Write(b)
					if n1 != n2 || err1 != nil || err2 != nil {
						t.Fatalf("op %d: write %d bytes: os %d %v, mem %d %v", op, len(b), n1, err1, n2, err2)
					}
				case k < 7: // seek
					size := fileSize(t, osf)
					off := r.Int64N(size + testChunk/2 + 1)
					p1, err1 := osf.Seek(off, io.SeekStart)
					p2, err2 := mf.Seek(off, io.SeekStart)
					if p1 != p2 || err1 != nil || err2 != nil {
						t.Fatalf("op %d: seek %d: os %d %v, mem %d %v", op, off, p1, err1, p2, err2)
					}
				case k < 9: // read
					b1, b2 := make([]byte, r.IntN(2*testChunk)), make([]byte, 0)
					b2 = append(b2, b1...)
					n1, err1 := io.ReadFull(osf, b1)
					n2, err2 := io.ReadFull(mf, b2)
					if n1 != n2 || (err1 == nil) != (err2 == nil) || !bytes.Equal(b1[:n1], b2[:n2]) {
						t.Fatalf("op %d: read %d bytes: os %d %v, mem %d %v", op, len(b1), n1, err1, n2, err2)
					}
				case k < 10 && op%2 == 0: // append a span of it to a buffer
					size := fileSize(t, osf)
					off, n := r.Int64N(size+2), 1+r.IntN(int(min(2*testChunk, size+1)))
					want := make([]byte, n)
					m, _ := osf.(*os.File).ReadAt(want, off)
					prefix := []byte("dst")
					got := mf.(*memFile).AppendAt(prefix, off, n)
					if !bytes.Equal(got, append(prefix, want[:m]...)) {
						t.Fatalf("op %d: AppendAt(%d, %d) gave %d bytes, want %d", op, off, n, len(got)-len(prefix), m)
					}
					if b, ok := mf.(*memFile).SliceAt(off, n); ok && (m != n || !bytes.Equal(b, want) || cap(b) != n) {
						t.Fatalf("op %d: SliceAt(%d, %d) gave %d bytes (cap %d), the file has %d there", op, off, n, len(b), cap(b), m)
					}
					aliases = append(aliases, alias{off, n})
				default: // truncate, shorter or longer
					size := fileSize(t, osf)
					to := r.Int64N(size + testChunk + 1)
					if err := osf.Truncate(to); err != nil {
						t.Fatal(err)
					}
					if err := mf.Truncate(to); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				got, err := mfs.ReadFile("/f")
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("op %d: memFS holds %d bytes, the file %d, or they differ", op, len(got), len(want))
				}
				if st, err := mfs.Stat("/f"); err != nil || st.Size() != int64(len(want)) {
					t.Fatalf("op %d: Stat %v %v, want size %d", op, st, err, len(want))
				}
				for _, a := range aliases {
					if b, ok := mf.(*memFile).SliceAt(a.off, a.n); ok {
						held, heldWant = append(held, b), append(heldWant, bytes.Clone(b))
					}
				}
				aliases = aliases[:0]
				for i := range held {
					if !bytes.Equal(held[i], heldWant[i]) {
						t.Fatalf("op %d: bytes handed out by SliceAt changed", op)
					}
				}
			}
			if len(held) == 0 {
				t.Fatal("SliceAt never handed out bytes")
			}
		})
	}
}

// testChunk is the memFS chunk size of the tests.
const testChunk = 64 << 10

func fileSize(t *testing.T, f file) int64 {
	t.Helper()
	cur, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		t.Fatal(err)
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(cur, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	return end
}
