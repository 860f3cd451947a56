package processors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/streamsgd/streamsgd/metrics"
)

// registryFormat is the first byte of an encoded Registry.
const registryFormat = 1

// ErrRegistryCorrupt is wrapped by errors decoding a Registry.
var ErrRegistryCorrupt = errors.New("processors: corrupt checkpoint registry")

// Encoding of a Registry (varints as encoding/binary, strings and byte
// strings length-prefixed by a uvarint, times as unix nanoseconds):
//
//	format:u8 model key lastID:varint skipped:varint skipReason trimmed:varint
//	versions:uvarint × (id:varint time:varint rows:varint invalid:varint window:varint
//	    metrics:uvarint × (name value:f64le) configHash pinned:u8 config state)
//	commands:uvarint × (id op version:varint time:varint ok:u8 message)

// RegistryCodec is the goka codec of the checkpoint table (values
// *Registry). It needs no model specs: a version's learner is kept as
// bytes and decoded on demand (Version.Restore).
type RegistryCodec struct{}

// Encode implements goka.Codec.
func (RegistryCodec) Encode(value interface{}) ([]byte, error) {
	r, ok := value.(*Registry)
	if !ok || r == nil {
		return nil, fmt.Errorf("processors: registry codec: unexpected %T", value)
	}
	return r.AppendBinary(make([]byte, 0, r.encodedLen())), nil
}

// Decode implements goka.Codec.
func (RegistryCodec) Decode(data []byte) (interface{}, error) {
	r := new(Registry)
	if err := r.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	return r, nil
}

// AppendBinary appends the encoded registry to b.
func (r *Registry) AppendBinary(b []byte) []byte {
	b = append(b, registryFormat)
	b = appendString(b, r.Model)
	b = appendString(b, r.Key)
	b = binary.AppendVarint(b, r.LastID)
	b = binary.AppendVarint(b, r.Skipped)
	b = appendString(b, r.SkipReason)
	b = binary.AppendVarint(b, r.Trimmed)
	b = binary.AppendUvarint(b, uint64(len(r.Versions)))
	for i := range r.Versions {
		b = r.Versions[i].appendBinary(b)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Commands)))
	for _, c := range r.Commands {
		b = appendString(b, c.ID)
		b = appendString(b, c.Op)
		b = binary.AppendVarint(b, c.Version)
		b = binary.AppendVarint(b, unixNano(c.Time))
		b = appendBool(b, c.OK)
		b = appendString(b, c.Message)
	}
	return b
}

func (v *Version) appendBinary(b []byte) []byte {
	b = binary.AppendVarint(b, v.ID)
	b = binary.AppendVarint(b, unixNano(v.Time))
	b = binary.AppendVarint(b, v.Rows)
	b = binary.AppendVarint(b, v.Invalid)
	b = binary.AppendVarint(b, v.Window)
	b = binary.AppendUvarint(b, uint64(len(v.Metrics)))
	for _, m := range v.Metrics {
		b = appendString(b, m.Name)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(m.Value))
	}
	b = appendString(b, v.ConfigHash)
	b = appendBool(b, v.Pinned)
	b = appendBytes(b, v.Config)
	return appendBytes(b, v.State)
}

// encodedLen is an upper bound of the encoded size.
func (r *Registry) encodedLen() int {
	n := 1 + 4*binary.MaxVarintLen64 + len(r.Model) + len(r.Key) + len(r.SkipReason) + 3*binary.MaxVarintLen64
	for i := range r.Versions {
		n += r.Versions[i].encodedLen()
	}
	for _, c := range r.Commands {
		n += 6*binary.MaxVarintLen64 + len(c.ID) + len(c.Op) + len(c.Message)
	}
	return n
}

func (v *Version) encodedLen() int {
	n := 10*binary.MaxVarintLen64 + len(v.ConfigHash) + len(v.Config) + len(v.State)
	for _, m := range v.Metrics {
		n += binary.MaxVarintLen64 + len(m.Name) + 8
	}
	return n
}

// UnmarshalBinary replaces r with the decoded data. The registry keeps no
// reference to data.
func (r *Registry) UnmarshalBinary(data []byte) error {
	// One copy, then the byte strings of the versions alias it.
	d := decoder{buf: bytes.Clone(data)}
	if f := d.byte(); d.err == nil && f != registryFormat {
		return fmt.Errorf("%w: unknown format %d", ErrRegistryCorrupt, f)
	}
	*r = Registry{Model: d.string(), Key: d.string(), LastID: d.varint(), Skipped: d.varint(), SkipReason: d.string(), Trimmed: d.varint()}
	n := d.count(minVersionLen)
	if n > 0 {
		r.Versions = make([]Version, 0, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		r.Versions = append(r.Versions, decodeVersion(&d))
	}
	n = d.count(minCommandLen)
	for i := 0; i < n && d.err == nil; i++ {
		r.Commands = append(r.Commands, CommandResult{
			ID: d.string(), Op: d.string(), Version: d.varint(), Time: fromUnixNano(d.varint()),
			OK: d.bool(), Message: d.string(),
		})
	}
	switch {
	case d.err != nil:
		return fmt.Errorf("%w: %w", ErrRegistryCorrupt, d.err)
	case len(d.buf) > 0:
		return fmt.Errorf("%w: %d trailing bytes", ErrRegistryCorrupt, len(d.buf))
	}
	return nil
}

// The smallest encodings of a version and a command, to bound counts by
// the bytes left.
const (
	minVersionLen = 10
	minCommandLen = 6
)

func decodeVersion(d *decoder) Version {
	v := Version{ID: d.varint(), Time: fromUnixNano(d.varint()), Rows: d.varint(), Invalid: d.varint(), Window: d.varint()}
	n := d.count(9)
	if n > 0 {
		v.Metrics = make([]metrics.Value, 0, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		v.Metrics = append(v.Metrics, metrics.Value{Name: d.string(), Value: d.float64()})
	}
	v.ConfigHash = d.string()
	v.Pinned = d.bool()
	v.Config = nilIfEmpty(d.bytes())
	v.State = nilIfEmpty(d.bytes())
	return v
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// count reads a count of items of at least min bytes each, refusing counts
// the bytes left cannot hold.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.buf)/min) {
		d.err = fmt.Errorf("count %d exceeds the %d bytes left", n, len(d.buf))
		return 0
	}
	return int(n)
}

func (d *decoder) float64() float64 {
	if d.err != nil || len(d.buf) < 8 {
		d.err = errShort
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	return v
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	if d.err == nil {
		d.err = errors.New("bad boolean")
	}
	return false
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// unixNano is t in unix nanoseconds, 0 for the zero time.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
