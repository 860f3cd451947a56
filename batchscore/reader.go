package batchscore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

var utf8BOM = []byte("\uFEFF")

// chunk is whole lines of the file, with the header line first when the
// file has one (every chunk is decoded as a message of its own).
type chunk struct {
	seq    int
	buf    *[]byte // pooled; buf[:len(head)+len(data)] holds head then data
	head   int     // bytes of header (and its "\n") before the lines
	first  int64   // line number of the first line after the header
	lines  int     // lines in data
	data   []byte  // the lines
	reject *Reject // a line too long to decode, instead of lines
}

// reader cuts a file into chunks.
type reader struct {
	r       io.Reader
	size    int // bytes of lines per chunk
	maxLine int
	pool    *sync.Pool
	header  []byte // the header line + "\n", or nil
	line    int64  // line number of the next line
	carry   []byte // a partial line read past the last chunk
	eof     bool
	seq     int
}

// readHeader reads the file's first non-empty line as its header (the
// pipeline's decoder reads every message's first line so): it is put
// before the lines of every chunk.
func (rd *reader) readHeader() error {
	for {
		line, err := rd.nextLine()
		if err != nil {
			return err
		}
		if line == nil {
			return nil // an empty file
		}
		if len(bytes.TrimSuffix(line, []byte("\r"))) > 0 {
			rd.header = append(line, '\n')
			return nil
		}
	}
}

// nextLine reads one line (without "\n"); nil at the end of the file.
func (rd *reader) nextLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(rd.carry, '\n'); i >= 0 {
			line := bytes.Clone(rd.carry[:i])
			rd.carry = rd.carry[i+1:]
			rd.line++
			return line, nil
		}
		if rd.eof {
			if len(rd.carry) == 0 {
				return nil, nil
			}
			line := bytes.Clone(rd.carry)
			rd.carry, rd.line = nil, rd.line+1
			return line, nil
		}
		if len(rd.carry) > rd.maxLine {
			return nil, fmt.Errorf("batchscore: header line %d is longer than %d bytes", rd.line, rd.maxLine)
		}
		var err error
		if rd.carry, err = rd.fillTo(rd.carry, len(rd.carry)+rd.size); err != nil {
			return nil, err
		}
	}
}

// start reads the start of the file and drops a byte-order mark there.
func (rd *reader) start() error {
	var err error
	if rd.carry, err = rd.fillTo(nil, max(rd.size, len(utf8BOM))); err != nil {
		return err
	}
	rd.carry = bytes.TrimPrefix(rd.carry, utf8BOM)
	return nil
}

// next returns the next chunk, nil at the end of the file. A chunk holds
// about size bytes of whole lines; a longer line gets a chunk of its own,
// up to maxLine bytes; a line longer than that is rejected (so that
// whether a line is rejected never depends on where chunks fall).
func (rd *reader) next(ctx context.Context) (*chunk, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bp := rd.pool.Get().(*[]byte)
	buf := append((*bp)[:0], rd.header...)
	head := len(buf)
	buf = append(buf, rd.carry...)
	rd.carry = nil
	for limit := rd.size; ; limit = min(2*limit, rd.maxLine+1) {
		var err error
		if buf, err = rd.fillTo(buf, head+limit); err != nil {
			*bp = buf
			rd.pool.Put(bp)
			return nil, err
		}
		lines := buf[head:]
		i := bytes.LastIndexByte(lines, '\n')
		switch {
		case i >= 0:
			rd.carry = bytes.Clone(lines[i+1:])
			return rd.emit(bp, buf, head, i+1), nil
		case len(lines) > rd.maxLine:
			*bp = buf
			rd.pool.Put(bp)
			return rd.tooLong(lines)
		case rd.eof && len(lines) == 0:
			*bp = buf
			rd.pool.Put(bp)
			return nil, nil
		case rd.eof:
			return rd.emit(bp, buf, head, len(lines)), nil
		}
	}
}

// fillTo reads the file into buf up to n bytes (or its end).
func (rd *reader) fillTo(buf []byte, n int) ([]byte, error) {
	if rd.eof || len(buf) >= n {
		return buf, nil
	}
	buf = growCap(buf, n)
	m, err := io.ReadFull(rd.r, buf[len(buf):n])
	buf = buf[:len(buf)+m]
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		rd.eof = true
		return buf, nil
	}
	return buf, err
}

// emit makes a chunk of buf's first n bytes of lines.
func (rd *reader) emit(bp *[]byte, buf []byte, head, n int) *chunk {
	*bp = buf
	c := &chunk{seq: rd.seq, buf: bp, head: head, first: rd.line, data: buf[head : head+n]}
	rd.seq++
	c.lines = bytes.Count(c.data, []byte{'\n'})
	if n > 0 && c.data[n-1] != '\n' {
		c.lines++
	}
	rd.line += int64(c.lines)
	return c
}

// tooLong rejects a line longer than maxLine (its first maxLine bytes are
// kept) and skips to the next line.
func (rd *reader) tooLong(prefix []byte) (*chunk, error) {
	rj := &Reject{Line: rd.line, Reason: fmt.Sprintf("line longer than %d bytes", rd.maxLine), Raw: bytes.Clone(prefix[:rd.maxLine])}
	if rd.eof {
		c := &chunk{seq: rd.seq, first: rd.line, reject: rj}
		rd.seq++
		rd.line++
		return c, nil
	}
	skip := make([]byte, 64<<10)
	for {
		n, err := rd.r.Read(skip)
		if i := bytes.IndexByte(skip[:n], '\n'); i >= 0 {
			rd.carry = bytes.Clone(skip[i+1 : n])
			break
		}
		if errors.Is(err, io.EOF) {
			rd.eof = true
			break
		} else if err != nil {
			return nil, err
		}
	}
	c := &chunk{seq: rd.seq, first: rd.line, reject: rj}
	rd.seq++
	rd.line++
	return c, nil
}

// growCap returns b with capacity at least n.
func growCap(b []byte, n int) []byte {
	if cap(b) >= n {
		return b
	}
	nb := make([]byte, len(b), n)
	copy(nb, b)
	return nb
}
