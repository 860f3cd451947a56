package wire

import "fmt"

// minWatermarkSize is the smallest Avro encoding of a Watermark.
const minWatermarkSize = 3

// AppendExportedModel appends the Avro binary encoding of s (schema
// schemas.ModelState) to b.
func AppendExportedModel(b []byte, s *ExportedModel) []byte {
	b = appendString(b, s.Model)
	b = appendString(b, s.Key)
	b = appendString(b, s.ConfigHash)
	b = appendLong(b, s.Version)
	b = appendLong(b, s.Rows)
	b = appendArrayStart(b, len(s.Watermarks))
	for _, w := range s.Watermarks {
		b = appendLong(appendInt(appendString(b, w.Topic), w.Partition), w.Offset)
	}
	b = appendArrayEnd(b, len(s.Watermarks))
	b = appendBytes(b, s.ModelBytes)
	return appendBytes(b, s.MetricsBytes)
}

// ReadExportedModel decodes the Avro binary of an ExportedModel into s.
func ReadExportedModel(data []byte, s *ExportedModel) error {
	r := newReader(data)
	s.Model = r.string()
	s.Key = r.string()
	s.ConfigHash = r.string()
	s.Version = r.long()
	s.Rows = r.long()
	s.Watermarks = s.Watermarks[:0]
	for n := r.block(minWatermarkSize); n > 0; n = r.block(minWatermarkSize) {
		for range n {
			var w Watermark
			w.Topic = r.string()
			w.Partition = r.int()
			w.Offset = r.long()
			if r.Err() != nil {
				break
			}
			s.Watermarks = append(s.Watermarks, w)
		}
	}
	s.ModelBytes = r.bytes()
	s.MetricsBytes = r.bytes()
	return r.done("exported model")
}

// AppendExportedModelJSON appends s as one JSON object with the fields model,
// key, config_hash, version, rows, watermarks (objects of topic, partition,
// offset), model_bytes and metrics_bytes (base64).
func AppendExportedModelJSON(b []byte, s *ExportedModel) []byte {
	b = append(b, `{"model":`...)
	b = appendJSONString(b, s.Model)
	b = append(b, `,"key":`...)
	b = appendJSONString(b, s.Key)
	b = append(b, `,"config_hash":`...)
	b = appendJSONString(b, s.ConfigHash)
	b = append(b, `,"version":`...)
	b = appendJSONInt(b, s.Version)
	b = append(b, `,"rows":`...)
	b = appendJSONInt(b, s.Rows)
	b = append(b, `,"watermarks":[`...)
	for i, w := range s.Watermarks {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"topic":`...), w.Topic)
		b = appendJSONInt(append(b, `,"partition":`...), int64(w.Partition))
		b = appendJSONInt(append(b, `,"offset":`...), w.Offset)
		b = append(b, '}')
	}
	b = append(b, `],"model_bytes":`...)
	b = appendJSONBase64(b, nonNil(s.ModelBytes))
	b = append(b, `,"metrics_bytes":`...)
	b = appendJSONBase64(b, nonNil(s.MetricsBytes))
	return append(b, '}')
}

func nonNil(p []byte) []byte {
	if p == nil {
		return []byte{}
	}
	return p
}

type exportedModelJSON struct {
	Model        string      `json:"model"`
	Key          string      `json:"key"`
	ConfigHash   string      `json:"config_hash"`
	Version      int64       `json:"version"`
	Rows         int64       `json:"rows"`
	Watermarks   []Watermark `json:"watermarks"`
	ModelBytes   []byte      `json:"model_bytes"`
	MetricsBytes []byte      `json:"metrics_bytes"`
}

// ReadExportedModelJSON decodes one JSON object written by
// AppendExportedModelJSON into s.
func ReadExportedModelJSON(data []byte, s *ExportedModel) error {
	sj, err := decodeJSONObject[exportedModelJSON](data)
	if err != nil {
		return fmt.Errorf("wire: read exported model json: %w", err)
	}
	*s = ExportedModel(*sj)
	return nil
}
