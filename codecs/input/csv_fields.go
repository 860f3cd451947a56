package input

import "bytes"

// nextLine splits off the first line of buf, without its "\n" or "\r\n".
// Records are lines: a quoted field may hold the delimiter and doubled
// quotes, not a line break, so one broken line never swallows the next.
func nextLine(buf []byte) (line, rest []byte) {
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		line = buf
	} else {
		line, rest = buf[:i], buf[i+1:]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// fieldIter walks the fields of one line without copying them (except a
// quoted field with doubled quotes, which is unescaped into a new slice).
//
//	it := splitter.fields(line)
//	for !it.done { f := it.next(); ... }
//	if it.bad != "" { the line is malformed }
type fieldIter struct {
	rest  []byte
	delim []byte
	plain bool   // a one-byte delimiter and no quote in the line
	trim  bool   // drop spaces and tabs around unquoted fields
	done  bool   // no field left
	bad   string // why the line is malformed, once done
}

// splitter holds the delimiter settings of a decoder.
type splitter struct {
	delim []byte
	trim  bool
	fused bool // the delimiter cannot be part of a number: scanNumber may split
}

func newSplitter(delim rune) splitter {
	d := []byte(string(delim))
	return splitter{delim: d, trim: delim != ' ' && delim != '\t',
		fused: len(d) == 1 && !bytes.ContainsRune([]byte("0123456789.+-"), delim)}
}

func (s splitter) fields(line []byte) fieldIter {
	plain := len(s.delim) == 1 && bytes.IndexByte(line, '"') < 0
	return fieldIter{rest: line, delim: s.delim, plain: plain, trim: s.trim}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// next returns the next field; call it only while !done. It splits any
// line; csvDecoder.splitRow splits plain lines itself, faster.
func (it *fieldIter) next() []byte {
	s := it.rest
	if it.trim {
		s = trimLeft(s)
	}
	if len(s) > 0 && s[0] == '"' {
		return it.quoted(s)
	}
	var i int
	if len(it.delim) == 1 {
		i = bytes.IndexByte(s, it.delim[0])
	} else {
		i = bytes.Index(s, it.delim)
	}
	if i < 0 {
		it.done, it.rest = true, nil
		return it.trimRight(s)
	}
	it.rest = s[i+len(it.delim):]
	return it.trimRight(s[:i])
}

// quoted reads a field that starts with a double quote.
func (it *fieldIter) quoted(s []byte) []byte {
	var unescaped []byte // non-nil once a doubled quote was seen
	start, i := 1, 1
	for {
		j := bytes.IndexByte(s[i:], '"')
		if j < 0 {
			return it.fail("unterminated quoted field")
		}
		j += i
		if j+1 < len(s) && s[j+1] == '"' { // a doubled quote
			unescaped = append(unescaped, s[start:j+1]...)
			start, i = j+2, j+2
			continue
		}
		field := s[1:j]
		if unescaped != nil {
			field = append(unescaped, s[start:j]...)
		}
		return it.afterQuote(s[j+1:], field)
	}
}

// afterQuote expects the end of the line or a delimiter after a closing quote.
func (it *fieldIter) afterQuote(rest, field []byte) []byte {
	if it.trim {
		rest = trimLeft(rest)
	}
	switch {
	case len(rest) == 0:
		it.done, it.rest = true, nil
	case bytes.HasPrefix(rest, it.delim):
		it.rest = rest[len(it.delim):]
	default:
		return it.fail("unexpected text after a closing quote")
	}
	return field
}

func (it *fieldIter) fail(reason string) []byte {
	it.done, it.rest, it.bad = true, nil, reason
	return nil
}

func (it *fieldIter) trimRight(s []byte) []byte {
	if !it.trim {
		return s
	}
	for len(s) > 0 && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func trimLeft(s []byte) []byte {
	for len(s) > 0 && isBlank(s[0]) {
		s = s[1:]
	}
	return s
}

// splitAll returns every field of a line (for headers and tests).
func (s splitter) splitAll(line []byte) ([][]byte, string) {
	var out [][]byte
	it := s.fields(line)
	for !it.done {
		f := it.next()
		if it.bad != "" {
			return nil, it.bad
		}
		out = append(out, f)
	}
	return out, ""
}

// countFields counts the fields of a line.
func (s splitter) countFields(line []byte) (int, string) {
	it := s.fields(line)
	if it.plain {
		return bytes.Count(line, s.delim) + 1, ""
	}
	n := 0
	for !it.done {
		it.next()
		n++
	}
	return n, it.bad
}

// trimSpace drops spaces and tabs around s.
func trimSpace(s []byte) []byte {
	s = trimLeft(s)
	for len(s) > 0 && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
