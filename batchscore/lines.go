package batchscore

import "bytes"

// lines maps the row indices of one decoded chunk (data lines, as the
// decoder numbers them: empty lines skipped) to file line numbers and raw
// lines.
type lines struct {
	data  []byte // the chunk's lines, without the header the reader put first
	first int64  // file line number of data's first line
	plain bool   // no empty line: row i is line first+i
	start []int  // offsets of the non-empty lines, built on demand
	lnum  []int64
}

// newLines maps the rows of data, a chunk of n lines that the decoder
// found rows rows in (good and bad): when every line is a row, no line is
// empty and row i is line first+i.
func newLines(data []byte, first int64, n, rows int) lines {
	return lines{data: data, first: first, plain: rows == n}
}

// line is the file line number of row i.
func (l *lines) line(i int32) int64 {
	if l.plain {
		return l.first + int64(i)
	}
	l.index()
	if int(i) < len(l.lnum) {
		return l.lnum[i]
	}
	return l.first // unreachable: the decoder numbers only these lines
}

// raw is the text of row i, without its line end.
func (l *lines) raw(i int32) []byte {
	l.index()
	if int(i) >= len(l.start) {
		return nil
	}
	line := l.data[l.start[i]:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return bytes.TrimSuffix(line, []byte("\r"))
}

// index finds the non-empty lines, as the CSV decoder does.
func (l *lines) index() {
	if l.start != nil {
		return
	}
	l.start = []int{}
	n, off := l.first, 0
	for off < len(l.data) {
		end := bytes.IndexByte(l.data[off:], '\n')
		next := len(l.data)
		if end >= 0 {
			next = off + end + 1
			end += off
		} else {
			end = len(l.data)
		}
		if e := end - off; e > 0 && !(e == 1 && l.data[off] == '\r') {
			l.start = append(l.start, off)
			l.lnum = append(l.lnum, n)
		}
		n++
		off = next
	}
}
