package input

// arena hands out feature slices carved from shared backing arrays, so that
// a message costs one allocation per chunk of rows (up to 1024 rows).
type arena struct {
	buf []float64
}

// maxChunkRows and maxChunkValues bound the room an arena allocates at once:
// the row-count hints come from the message (line ends, record counts) and
// a hostile message must not turn them into a huge allocation.
const (
	maxChunkRows   = 1024
	maxChunkValues = 1 << 16
)

// slot returns room for n values after the committed ones; when the current
// array is full it allocates a new one with room for about rows slots of n.
func (a *arena) slot(n, rows int) []float64 {
	if cap(a.buf)-len(a.buf) < n {
		rows = min(rows, maxChunkRows, maxChunkValues/n)
		a.buf = make([]float64, 0, n*max(rows, 1))
	}
	l := len(a.buf)
	return a.buf[l : l+n : l+n]
}

// commit keeps the last slot (the row was good); otherwise the next slot
// reuses its room.
func (a *arena) commit(n int) { a.buf = a.buf[:len(a.buf)+n] }
