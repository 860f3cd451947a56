package batchscore

import (
	"cmp"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
)

// sortRejects puts a chunk's rejects in line order (the decoder's come
// first, the scorer's after).
func sortRejects(rs []Reject) {
	slices.SortStableFunc(rs, func(a, b Reject) int { return cmp.Compare(a.Line, b.Line) })
}

// RejectsCSV returns an OnReject that writes every reject to w as CSV,
// after a header: line (or source, for a topic), reason, row (the raw
// line or record value). Flush the returned function's writer with the
// returned flush when done.
func RejectsCSV(w io.Writer, topic bool) (onReject func(Reject), flush func() error) {
	cw := csv.NewWriter(w)
	where := "line"
	if topic {
		where = "source"
	}
	var err error
	write := func(rec []string) {
		if err == nil {
			err = cw.Write(rec)
		}
	}
	write([]string{where, "reason", "row"})
	onReject = func(r Reject) {
		at := r.Source
		if !topic {
			at = strconv.FormatInt(r.Line, 10)
		}
		write([]string{at, r.Reason, string(r.Raw)})
	}
	flush = func() error {
		cw.Flush()
		if err != nil {
			return err
		}
		return cw.Error()
	}
	return onReject, flush
}
