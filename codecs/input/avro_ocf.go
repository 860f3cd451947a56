package input

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Object Container File framing (Avro 1.11 specification, "Object Container
// Files"): magic "Obj\x01", a metadata map, a 16-byte sync marker, then
// blocks of (record count, byte size, records, sync marker).
var ocfMagic = []byte("Obj\x01")

const ocfSyncLen = 16

// ocfHeader is what a decoder needs from an OCF header.
type ocfHeader struct {
	schema []byte // avro.schema
	codec  string // avro.codec; "" means null
	sync   []byte
}

// readLong reads an Avro long (a zig-zag varint).
func readLong(r *binio.Reader) (int64, error) {
	v := r.Varint()
	if r.Err() != nil {
		return 0, errors.New("truncated or overlong varint")
	}
	return v, nil
}

// readBytes reads Avro bytes: a long length, then that many bytes.
func readBytes(r *binio.Reader) ([]byte, error) {
	n, err := readLong(r)
	if err != nil {
		return nil, err
	}
	if n < 0 || n > int64(r.Len()) {
		return nil, fmt.Errorf("length %d does not fit the %d bytes left", n, r.Len())
	}
	return r.Next(int(n)), nil
}

// parseOCFHeader reads the header and returns the blocks that follow it.
func parseOCFHeader(buf []byte) (*ocfHeader, []byte, error) {
	if !bytes.HasPrefix(buf, ocfMagic) {
		return nil, nil, fmt.Errorf("%w: an object container file starts with \"Obj\\x01\"", ErrBadMagic)
	}
	h := &ocfHeader{}
	rest, err := h.readMetadata(buf[len(ocfMagic):])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ocf metadata: %w", ErrBadHeader, err)
	}
	if h.schema == nil {
		return nil, nil, fmt.Errorf("%w: ocf metadata has no avro.schema", ErrBadHeader)
	}
	if !knownCodec(h.codec) {
		return nil, nil, fmt.Errorf("%w: ocf codec %q is not supported", ErrBadHeader, h.codec)
	}
	if len(rest) < ocfSyncLen {
		return nil, nil, fmt.Errorf("%w: ocf header ends before its sync marker", ErrBadHeader)
	}
	h.sync = rest[:ocfSyncLen]
	return h, rest[ocfSyncLen:], nil
}

// readMetadata reads the metadata map (blocks of key/value pairs ending with
// a zero count) and keeps avro.schema and avro.codec.
func (h *ocfHeader) readMetadata(buf []byte) ([]byte, error) {
	r := binio.NewReader(buf)
	for {
		count, err := readLong(&r)
		if err != nil {
			return nil, err
		}
		if count == 0 {
			return r.Next(r.Len()), nil
		}
		if count < 0 { // a negative count is followed by the block's byte size
			count = -count
			if _, err = readLong(&r); err != nil {
				return nil, err
			}
		}
		if count < 0 || count > int64(r.Len()) {
			return nil, fmt.Errorf("entry count %d does not fit the %d bytes left", count, r.Len())
		}
		if err = h.readEntries(&r, count); err != nil {
			return nil, err
		}
	}
}

func (h *ocfHeader) readEntries(r *binio.Reader, count int64) error {
	for ; count > 0; count-- {
		k, err := readBytes(r)
		if err != nil {
			return err
		}
		v, err := readBytes(r)
		if err != nil {
			return err
		}
		switch string(k) {
		case "avro.schema":
			h.schema = v
		case "avro.codec":
			h.codec = string(v)
		}
	}
	return nil
}

// ocfBlock is one framed block.
type ocfBlock struct {
	count int64  // records in the block
	data  []byte // the compressed records
}

// nextBlock frames the next block of buf; the error says why the rest of the
// file cannot be read.
func (h *ocfHeader) nextBlock(buf []byte) (ocfBlock, []byte, error) {
	r := binio.NewReader(buf)
	count, err := readLong(&r)
	if err != nil || count <= 0 {
		return ocfBlock{}, nil, fmt.Errorf("bad record count %d", count)
	}
	size, err := readLong(&r)
	if err != nil || size <= 0 || size > int64(r.Len()) {
		return ocfBlock{}, nil, fmt.Errorf("bad block size %d (%d bytes left)", size, r.Len())
	}
	b := ocfBlock{count: count, data: r.Next(int(size))}
	if sync := r.Next(ocfSyncLen); r.Err() != nil || !bytes.Equal(sync, h.sync) {
		return ocfBlock{}, nil, errors.New("sync marker mismatch")
	}
	return b, r.Next(r.Len()), nil
}

// ocf decodes an Object Container File. A corrupt header fails the whole
// message; a corrupt block is one bad row that ends the file (the rows of
// the blocks before it are kept); an undecodable record is one bad row that
// ends its block (its index and those of the records it hides are used up).
func (r *avroRun) ocf(value []byte) error {
	h, buf, err := parseOCFHeader(value)
	if err != nil {
		return err
	}
	s, err := r.d.ocfSchemaFor(h.schema)
	if err != nil {
		return fmt.Errorf("%w: ocf writer schema: %w", ErrBadHeader, err)
	}
	for n := 0; len(buf) > 0; n++ {
		var b ocfBlock
		var rest []byte
		b, rest, err = h.nextBlock(buf)
		if err == nil {
			b.data, err = r.d.decompress(h.codec, b.data)
		}
		if err == nil && b.count > int64(len(b.data)) {
			err = fmt.Errorf("record count %d exceeds the %d bytes of the block", b.count, len(b.data))
		}
		if err != nil {
			r.fail(r.index, buf, fmt.Sprintf("ocf block %d: %v", n, err))
			r.index++
			return nil
		}
		r.block(s, b)
		buf = rest
	}
	return nil
}

// block decodes the records of one decompressed block.
func (r *avroRun) block(s *ocfSchema, b ocfBlock) {
	r.hint = int(b.count)
	data := b.data
	for k := int64(0); k < b.count; k++ {
		i := r.index
		r.index++
		native, rest, err := decodeNative(s.codec, data)
		if err == nil && len(rest) >= len(data) {
			err = errors.New("it takes no bytes")
		}
		if err != nil {
			left := b.count - k - 1
			r.fail(i, data, fmt.Sprintf("undecodable record: %v (the %d records after it in its block are skipped)", err, left))
			r.index += int32(left)
			return
		}
		r.record(i, s.plan, native, data[:len(data)-len(rest)])
		data = rest
	}
	if len(data) > 0 {
		r.fail(r.index, data, fmt.Sprintf("%d bytes left in the block after its %d records", len(data), b.count))
		r.index++
	}
}
