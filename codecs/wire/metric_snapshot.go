package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// minMetricSize is the smallest Avro encoding of a Metric.
const minMetricSize = 1 + 8

// AppendMetricSnapshot appends the Avro binary encoding of m (schema
// schemas.MetricSnapshot) to b.
func AppendMetricSnapshot(b []byte, m *MetricSnapshot) []byte {
	b = appendString(b, m.Model)
	b = appendString(b, m.Key)
	b = appendLong(b, m.Version)
	b = appendLong(b, m.Rows)
	b = appendLong(b, m.Invalid)
	b = appendLong(b, m.Window)
	b = appendArrayStart(b, len(m.Metrics))
	for _, mt := range m.Metrics {
		b = appendDouble(appendString(b, mt.Name), mt.Value)
	}
	b = appendArrayEnd(b, len(m.Metrics))
	b = appendString(b, m.SourceTopic)
	b = appendInt(b, m.SourcePartition)
	return appendLong(b, m.SourceOffset)
}

// ReadMetricSnapshot decodes the Avro binary of a MetricSnapshot into m.
func ReadMetricSnapshot(data []byte, m *MetricSnapshot) error {
	r := newReader(data)
	m.Model = r.string()
	m.Key = r.string()
	m.Version = r.long()
	m.Rows = r.long()
	m.Invalid = r.long()
	m.Window = r.long()
	m.Metrics = m.Metrics[:0]
	for n := r.block(minMetricSize); n > 0; n = r.block(minMetricSize) {
		for range n {
			name := r.string()
			m.Metrics = append(m.Metrics, Metric{Name: name, Value: r.double()})
			if r.Err() != nil {
				break
			}
		}
	}
	m.SourceTopic = r.string()
	m.SourcePartition = r.int()
	m.SourceOffset = r.long()
	return r.done("metric snapshot")
}

// AppendMetricSnapshotJSON appends m as one JSON object; its metrics are an
// object from name to value, in order, NaN and ±Inf written as null.
func AppendMetricSnapshotJSON(b []byte, m *MetricSnapshot) []byte {
	b = append(b, `{"model":`...)
	b = appendJSONString(b, m.Model)
	b = append(b, `,"key":`...)
	b = appendJSONString(b, m.Key)
	b = append(b, `,"version":`...)
	b = appendJSONInt(b, m.Version)
	b = append(b, `,"rows":`...)
	b = appendJSONInt(b, m.Rows)
	b = append(b, `,"invalid":`...)
	b = appendJSONInt(b, m.Invalid)
	b = append(b, `,"window":`...)
	b = appendJSONInt(b, m.Window)
	b = append(b, `,"metrics":{`...)
	for i, mt := range m.Metrics {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONFloat(append(appendJSONString(b, mt.Name), ':'), mt.Value)
	}
	b = append(b, `},"source_topic":`...)
	b = appendJSONString(b, m.SourceTopic)
	b = append(b, `,"source_partition":`...)
	b = appendJSONInt(b, int64(m.SourcePartition))
	b = append(b, `,"source_offset":`...)
	b = appendJSONInt(b, m.SourceOffset)
	return append(b, '}')
}

type metricSnapshotJSON struct {
	Model           string      `json:"model"`
	Key             string      `json:"key"`
	Version         int64       `json:"version"`
	Rows            int64       `json:"rows"`
	Invalid         int64       `json:"invalid"`
	Window          int64       `json:"window"`
	Metrics         metricsJSON `json:"metrics"`
	SourceTopic     string      `json:"source_topic"`
	SourcePartition int32       `json:"source_partition"`
	SourceOffset    int64       `json:"source_offset"`
}

// metricsJSON reads a JSON object of name to number (or null) keeping the
// order of its members.
type metricsJSON []Metric

func (ms *metricsJSON) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*ms = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("metrics: not an object")
	}
	out := metricsJSON{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		name, _ := tok.(string) // object keys are always strings
		var v jsonFloat
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("metrics: %s: %w", name, err)
		}
		out = append(out, Metric{Name: name, Value: float64(v)})
	}
	*ms = out
	return nil
}

// ReadMetricSnapshotJSON decodes one JSON object written by
// AppendMetricSnapshotJSON into m.
func ReadMetricSnapshotJSON(data []byte, m *MetricSnapshot) error {
	mj, err := decodeJSONObject[metricSnapshotJSON](data)
	if err != nil {
		return fmt.Errorf("wire: read metric snapshot json: %w", err)
	}
	*m = MetricSnapshot{
		Model: mj.Model, Key: mj.Key, Version: mj.Version, Rows: mj.Rows, Invalid: mj.Invalid, Window: mj.Window,
		Metrics: mj.Metrics, SourceTopic: mj.SourceTopic, SourcePartition: mj.SourcePartition, SourceOffset: mj.SourceOffset,
	}
	return nil
}
