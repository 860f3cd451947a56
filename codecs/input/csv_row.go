package input

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// csvRun is the state of one Decode call.
type csvRun struct {
	d        *csvDecoder
	plan     *csvPlan // nil until the first row fixes the width (positional mode)
	key      keyLabel // the label from the record key
	hint     int      // at most this many rows are left
	feats    arena
	rows     []Row
	bad      []RowError
	index    int32
	entities entityCache
}

// lineParts holds the label and key fields of a row.
type lineParts struct {
	label, key, id []byte
}

// row decodes one non-empty line.
func (r *csvRun) row(line []byte) {
	i := r.index
	r.index++
	p := r.plan
	if p == nil {
		var reason string
		if p, reason = r.d.positionalPlan(line); reason != "" {
			r.fail(i, line, reason)
			return
		}
		r.plan = p
	}
	out := r.feats.slot(p.nf, r.hint)
	var parts lineParts
	row := Row{Index: i, Features: out}
	reason := r.d.splitRow(p, line, out, &parts)
	if reason == "" {
		reason = r.label(&parts, &row)
	}
	if reason == "" {
		reason = r.setEntity(&parts, &row)
	}
	if reason == "" && r.d.spec.IDColumn != "" {
		row.ID, reason = idOf(parts.id, "column "+r.d.spec.IDColumn)
	}
	if reason != "" {
		r.fail(i, line, reason)
		return
	}
	r.feats.commit(p.nf)
	r.rows = append(r.rows, row)
}

// splitRow parses the feature fields of line into out and finds its label
// and key fields; it returns why the row is bad, or "".
func (d *csvDecoder) splitRow(p *csvPlan, line []byte, out []float64, parts *lineParts) string {
	it := d.split.fields(line)
	badCol, badField, badErr := -1, []byte(nil), error(nil)
	col, rest, delim, fused := 0, line, d.split.delim[0], d.split.fused
	for ; !it.done; col++ {
		if fused && it.plain {
			// Split and parse plain decimal features in one pass.
			if col, rest, it.done = scanFeatures(p.actions, col, rest, delim, out); it.done {
				break
			}
		}
		var f []byte
		if it.plain { // the hot path, split inline: a call per field costs ~5%
			if i := bytes.IndexByte(rest, delim); i >= 0 {
				f, rest = rest[:i], rest[i+1:]
			} else {
				f, it.done = rest, true
			}
			if it.trim && len(f) > 0 && (isBlank(f[0]) || isBlank(f[len(f)-1])) {
				f = trimSpace(f)
			}
		} else {
			f = it.next()
		}
		if col >= p.width {
			continue // only counting
		}
		switch a := p.actions[col]; a.kind {
		case colFeature:
			v, err := parseFloat(f)
			if (err != nil || !usable(v)) && badCol < 0 {
				badCol, badField, badErr = col, f, err
			}
			out[a.slot] = v
		case colLabel:
			parts.label = f
		case colKey:
			parts.key = f
		case colID:
			parts.id = f
		}
	}
	switch {
	case it.bad != "":
		return "column " + p.name(col-1) + ": " + it.bad
	case col != p.width:
		return fmt.Sprintf("expected %d columns, got %d", p.width, col)
	case badCol >= 0:
		return "column " + p.name(badCol) + ": " + numberReason(badField, badErr)
	}
	return ""
}

// scanFeatures reads the feature columns of a plain line from column col
// on with scanNumber, up to a column that is not a feature or a field it
// does not take; it returns the next column, the rest of the line, and
// whether the line is done.
//
// A one-digit field (the zeros of sparse rows, half of an image's pixels)
// is read inline: scanNumber would give the same value, with a call and
// its loop.
func scanFeatures(acts []colAction, col int, rest []byte, delim byte, out []float64) (int, []byte, bool) {
	for col < len(acts) && acts[col].kind == colFeature {
		var v float64
		var n int
		if len(rest) > 1 && rest[1] == delim && rest[0]-'0' < 10 {
			v, n = float64(rest[0]-'0'), 1
		} else {
			var ok bool
			if v, n, ok = scanNumber(rest, delim); !ok {
				break
			}
		}
		out[acts[col].slot] = v
		col++
		if n == len(rest) {
			return col, nil, true
		}
		rest = rest[n+1:]
	}
	return col, rest, false
}

func (r *csvRun) label(parts *lineParts, row *Row) string {
	switch r.d.spec.Label {
	case LabelFromKey:
		if r.key.missing && r.d.spec.LabelsOptional {
			return ""
		}
		row.Label, row.HasLabel = r.key.value, true
		return r.key.reason
	case LabelFromColumn:
		if len(parts.label) == 0 {
			if r.d.spec.LabelsOptional {
				return ""
			}
			return ReasonMissingLabel + ": " + r.d.labelWhere + " is empty"
		}
		var reason string
		row.Label, reason = r.d.labels.parse(parts.label, r.d.labelWhere)
		row.HasLabel = true
		return reason
	}
	return ""
}

func (r *csvRun) setEntity(parts *lineParts, row *Row) string {
	if r.d.spec.KeyColumn == "" {
		return ""
	}
	if len(parts.key) == 0 {
		return "" // no entity: the per-entity models refuse the row, the global ones take it
	}
	if !utf8.Valid(parts.key) {
		return ReasonEntityNotUTF8 + ": column " + r.d.spec.KeyColumn + " is " + quoteField(parts.key)
	}
	row.Entity = r.entities.get(parts.key)
	return ""
}

func (r *csvRun) fail(i int32, line []byte, reason string) {
	r.bad = append(r.bad, RowError{Index: i, Reason: rowReason(i, reason), Raw: bytes.Clone(line)})
}

// entityCache reuses the strings of the last few entities of a message, so
// that a batch of rows for a handful of entities allocates each name once.
type entityCache struct {
	names [8]string
	next  int
}

func (c *entityCache) get(b []byte) string {
	for _, s := range c.names {
		if s == string(b) && s != "" {
			return s
		}
	}
	s := string(b)
	c.names[c.next] = s
	c.next = (c.next + 1) % len(c.names)
	return s
}
