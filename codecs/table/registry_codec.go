package table

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/streamsgd/streamsgd/codecs/binio"
	"github.com/streamsgd/streamsgd/metrics"
)

// registryFormat is the first byte of an encoded Registry: 2 since each
// version carries its replacements; 1 (without) is still read.
const (
	registryFormat   = 2
	registryFormatV1 = 1
)

// ErrRegistryCorrupt is wrapped by errors decoding a Registry.
var ErrRegistryCorrupt = errors.New("table: corrupt checkpoint registry")

// Encoding of a Registry (varints as encoding/binary, strings and byte
// strings length-prefixed by a uvarint, times as unix nanoseconds):
//
//	format:u8 model key lastID:varint skipped:varint skipReason trimmed:varint
//	versions:uvarint × (id:varint time:varint rows:varint invalid:varint window:varint
//	    metrics:uvarint × (name value:f64le) configHash pinned:u8 config state
//	    replacements:varint (format 2))
//	commands:uvarint × (id op version:varint time:varint ok:u8 message)

// RegistryCodec is the goka codec of the checkpoint table (values
// *Registry). It needs no model specs: a version's learner is kept as
// bytes and decoded on demand (Version.Restore). Its zero value decodes
// every value; NewRegistryViewCodec makes one for readers of the same keys
// again and again.
type RegistryCodec struct {
	view *viewCache
}

// Encode implements goka.Codec.
func (RegistryCodec) Encode(value interface{}) ([]byte, error) {
	r, ok := value.(*Registry)
	if !ok || r == nil {
		return nil, fmt.Errorf("table: registry codec: unexpected %T", value)
	}
	return r.AppendBinary(make([]byte, 0, r.EncodedLen())), nil
}

// Decode implements goka.Codec.
func (c RegistryCodec) Decode(data []byte) (interface{}, error) {
	if c.view != nil {
		return c.view.decode(data, RegistryCodec{}.Decode), nil
	}
	r := new(Registry)
	if err := r.UnmarshalBinary(data); err != nil {
		return nil, err
	}
	return r, nil
}

// AppendBinary appends the encoded registry to b.
func (r *Registry) AppendBinary(b []byte) []byte {
	b = append(b, registryFormat)
	b = binio.AppendString(b, r.Model)
	b = binio.AppendString(b, r.Key)
	b = binary.AppendVarint(b, r.LastID)
	b = binary.AppendVarint(b, r.Skipped)
	b = binio.AppendString(b, r.SkipReason)
	b = binary.AppendVarint(b, r.Trimmed)
	b = binary.AppendUvarint(b, uint64(len(r.Versions)))
	for i := range r.Versions {
		b = r.Versions[i].appendBinary(b)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Commands)))
	for _, c := range r.Commands {
		b = binio.AppendString(b, c.ID)
		b = binio.AppendString(b, c.Op)
		b = binary.AppendVarint(b, c.Version)
		b = binary.AppendVarint(b, unixNano(c.Time))
		b = binio.AppendBool(b, c.OK)
		b = binio.AppendString(b, c.Message)
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
		b = binio.AppendString(b, m.Name)
		b = binio.AppendFloat64(b, m.Value)
	}
	b = binio.AppendString(b, v.ConfigHash)
	b = binio.AppendBool(b, v.Pinned)
	b = binio.AppendBytes(b, v.Config)
	b = binio.AppendBytes(b, v.State)
	return binary.AppendVarint(b, v.Replacements)
}

// EncodedLen is an upper bound of the encoded size.
func (r *Registry) EncodedLen() int {
	n := 1 + 4*binary.MaxVarintLen64 + len(r.Model) + len(r.Key) + len(r.SkipReason) + 3*binary.MaxVarintLen64
	for i := range r.Versions {
		n += r.Versions[i].EncodedLen()
	}
	for _, c := range r.Commands {
		n += 6*binary.MaxVarintLen64 + len(c.ID) + len(c.Op) + len(c.Message)
	}
	return n
}

// EncodedLen is an upper bound of the version's share of a registry's
// encoded size.
func (v *Version) EncodedLen() int {
	n := 11*binary.MaxVarintLen64 + len(v.ConfigHash) + len(v.Config) + len(v.State)
	for _, m := range v.Metrics {
		n += binary.MaxVarintLen64 + len(m.Name) + 8
	}
	return n
}

// UnmarshalBinary replaces r with the decoded data. The registry keeps no
// reference to data.
func (r *Registry) UnmarshalBinary(data []byte) error {
	// One copy, then the byte strings of the versions alias it.
	d := binio.NewReader(bytes.Clone(data))
	f := d.Byte()
	if d.Err() == nil && f != registryFormat && f != registryFormatV1 {
		return fmt.Errorf("%w: unknown format %d", ErrRegistryCorrupt, f)
	}
	*r = Registry{Model: d.Str(), Key: d.Str(), LastID: d.Varint(), Skipped: d.Varint(), SkipReason: d.Str(), Trimmed: d.Varint()}
	n := d.Count(minVersionLen)
	if n > 0 {
		r.Versions = make([]Version, 0, n)
	}
	for i := 0; i < n && d.Err() == nil; i++ {
		r.Versions = append(r.Versions, decodeVersion(&d, f))
	}
	n = d.Count(minCommandLen)
	for i := 0; i < n && d.Err() == nil; i++ {
		r.Commands = append(r.Commands, CommandResult{
			ID: d.Str(), Op: d.Str(), Version: d.Varint(), Time: fromUnixNano(d.Varint()),
			OK: d.Bool(), Message: d.Str(),
		})
	}
	switch {
	case d.Err() != nil:
		return fmt.Errorf("%w: %w", ErrRegistryCorrupt, d.Err())
	case d.Len() > 0:
		return fmt.Errorf("%w: %d trailing bytes", ErrRegistryCorrupt, d.Len())
	}
	return nil
}

// The smallest encodings of a version and a command, to bound counts by
// the bytes left.
const (
	minVersionLen = 10
	minCommandLen = 6
)

func decodeVersion(d *binio.Reader, format byte) Version {
	v := Version{ID: d.Varint(), Time: fromUnixNano(d.Varint()), Rows: d.Varint(), Invalid: d.Varint(), Window: d.Varint()}
	n := d.Count(9)
	if n > 0 {
		v.Metrics = make([]metrics.Value, 0, n)
	}
	for i := 0; i < n && d.Err() == nil; i++ {
		v.Metrics = append(v.Metrics, metrics.Value{Name: d.Str(), Value: d.Float64()})
	}
	v.ConfigHash = d.Str()
	v.Pinned = d.Bool()
	v.Config = nilIfEmpty(d.Bytes())
	v.State = nilIfEmpty(d.Bytes())
	if format >= registryFormat {
		v.Replacements = d.Varint()
	}
	return v
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
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
