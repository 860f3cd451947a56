package input

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/golang/snappy"
)

// maxBlockBytes bounds a decompressed OCF block, so that a small message
// cannot expand into gigabytes.
const maxBlockBytes = 64 << 20

func knownCodec(name string) bool {
	switch name {
	case "", "null", "deflate", "snappy", "zstandard":
		return true
	}
	return false
}

// decompress expands one OCF block.
func (d *avroDecoder) decompress(codec string, data []byte) ([]byte, error) {
	switch codec {
	case "deflate":
		return readLimited("deflate", flate.NewReader(bytes.NewReader(data)))
	case "snappy":
		return unsnappy(data)
	case "zstandard":
		z, err := d.zstd()
		if err != nil {
			return nil, err
		}
		out, err := z.DecodeAll(data, nil)
		if err != nil {
			return nil, fmt.Errorf("zstandard: %w", err)
		}
		return out, nil
	}
	return data, nil
}

func readLimited(codec string, r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, maxBlockBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", codec, err)
	}
	if len(out) > maxBlockBytes {
		return nil, fmt.Errorf("%s: the block expands beyond %d bytes", codec, maxBlockBytes)
	}
	return out, nil
}

// unsnappy decodes an Avro snappy block: snappy data, then the big-endian
// CRC-32 of the decoded bytes.
func unsnappy(data []byte) ([]byte, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("snappy block of %d bytes has no checksum", len(data))
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if n > maxBlockBytes {
		return nil, fmt.Errorf("snappy: the block expands beyond %d bytes", maxBlockBytes)
	}
	out, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if crc32.ChecksumIEEE(out) != sum {
		return nil, fmt.Errorf("snappy: checksum mismatch")
	}
	return out, nil
}
