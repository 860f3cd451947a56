package input

import (
	"bytes"
	"fmt"

	"github.com/linkedin/goavro/v2"
)

// newCodec compiles a schema read from a message, which might make goavro
// panic.
func newCodec(schema string) (c *goavro.Codec, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("goavro panicked on the schema: %v", p)
		}
	}()
	return goavro.NewCodec(schema)
}

// decodeNative decodes one record, turning a goavro panic into an error.
func decodeNative(c *goavro.Codec, buf []byte) (native any, rest []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			native, rest, err = nil, nil, fmt.Errorf("goavro panicked: %v", p)
		}
	}()
	return c.NativeFromBinary(buf)
}

// avroRun is the state of one Decode call.
type avroRun struct {
	d     *avroDecoder
	key   keyLabel
	feats arena
	hint  int // rows expected, for the arena
	rows  []Row
	bad   []RowError
	index int32
}

// binary decodes concatenated records until buf is used up or a record is
// undecodable (the rest of buf is then one bad row: there is no way to find
// the next record).
func (r *avroRun) binary(c *goavro.Codec, p *avroPlan, buf []byte) {
	for len(buf) > 0 {
		i := r.index
		r.index++
		native, rest, err := decodeNative(c, buf)
		if err != nil {
			r.fail(i, buf, "undecodable record: "+err.Error())
			return
		}
		if len(rest) >= len(buf) {
			r.fail(i, buf, "undecodable record: it takes no bytes")
			return
		}
		size := len(buf) - len(rest)
		r.hint = len(rest)/size + 1
		r.record(i, p, native, buf[:size])
		buf = rest
	}
}

// record extracts one row from a decoded record.
func (r *avroRun) record(i int32, p *avroPlan, native any, raw []byte) {
	m, ok := native.(map[string]any)
	if !ok {
		r.fail(i, raw, fmt.Sprintf("a %T is not a record", native))
		return
	}
	out := r.feats.slot(len(p.features), r.hint)
	for j, name := range p.features {
		v, reason := numberOf(m[name])
		if reason != "" {
			r.fail(i, raw, "field "+name+": "+reason)
			return
		}
		out[j] = v
	}
	row := Row{Index: i, Features: out}
	reason := r.label(p, m, &row)
	if reason == "" {
		reason = r.setEntity(p, m, &row)
	}
	if reason == "" && p.id != "" {
		row.ID, reason = avroIDOf(m[p.id], "field "+p.id)
	}
	if reason != "" {
		r.fail(i, raw, reason)
		return
	}
	r.feats.commit(len(out))
	r.rows = append(r.rows, row)
}

func (r *avroRun) label(p *avroPlan, m map[string]any, row *Row) string {
	var reason string
	switch r.d.spec.Label {
	case LabelFromKey:
		if r.key.missing && r.d.spec.LabelsOptional {
			return ""
		}
		row.Label, row.HasLabel, reason = r.key.value, true, r.key.reason
	case LabelFromColumn:
		v := m[p.label]
		if unwrap(v) == nil && r.d.spec.LabelsOptional {
			return ""
		}
		row.Label, reason = r.d.labels.labelOf(v, r.d.labelWhere)
		row.HasLabel = true
	}
	return reason
}

func (r *avroRun) setEntity(p *avroPlan, m map[string]any, row *Row) string {
	if p.key == "" {
		return ""
	}
	e, reason := entityOf(m[p.key], r.d.keyWhere)
	if reason != "" {
		return reason
	}
	row.Entity = e
	return ""
}

func (r *avroRun) fail(i int32, raw []byte, reason string) {
	r.bad = append(r.bad, RowError{Index: i, Reason: rowReason(i, reason), Raw: bytes.Clone(raw)})
}
