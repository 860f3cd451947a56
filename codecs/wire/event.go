package wire

import (
	"fmt"

	"github.com/lovoo/goka"
)

// Event is what the drift monitor of one model key found at one row: the
// value on the <p>.events topic (schema schemas.Event).
type Event struct {
	// ID is the id of the row's prediction, "/", and Kind: unique per row
	// and kind, and deterministic, as prediction ids.
	ID    string
	Model string
	Key   string
	// Kind is "warning", "drift", "replaced" or "background_dropped"
	// (package drift's Kind constants).
	Kind string
	// Row is the rows the key had learned, this one included.
	Row int64
	// The input row: its topic, partition, message offset and index.
	Topic     string
	Partition int32
	Offset    int64
	Index     int32
	// Stats are the detector's statistics (and the background learner's).
	Stats []Metric
}

// AppendEvent appends the Avro binary encoding of e (schema schemas.Event)
// to b.
func AppendEvent(b []byte, e *Event) []byte {
	b = appendString(b, e.ID)
	b = appendString(b, e.Model)
	b = appendString(b, e.Key)
	b = appendString(b, e.Kind)
	b = appendLong(b, e.Row)
	b = appendString(b, e.Topic)
	b = appendInt(b, e.Partition)
	b = appendLong(b, e.Offset)
	b = appendInt(b, e.Index)
	b = appendArrayStart(b, len(e.Stats))
	for _, s := range e.Stats {
		b = appendDouble(appendString(b, s.Name), s.Value)
	}
	return appendArrayEnd(b, len(e.Stats))
}

// ReadEvent decodes the Avro binary of an Event into e.
func ReadEvent(data []byte, e *Event) error {
	r := newReader(data)
	e.ID = r.string()
	e.Model = r.string()
	e.Key = r.string()
	e.Kind = r.string()
	e.Row = r.long()
	e.Topic = r.string()
	e.Partition = r.int()
	e.Offset = r.long()
	e.Index = r.int()
	e.Stats = e.Stats[:0]
	for n := r.block(minMetricSize); n > 0; n = r.block(minMetricSize) {
		for range n {
			name := r.string()
			e.Stats = append(e.Stats, Metric{Name: name, Value: r.double()})
			if r.Err() != nil {
				break
			}
		}
	}
	return r.done("event")
}

// AppendEventJSON appends e as one JSON object; its stats are an object
// from name to value, in order, NaN and ±Inf written as null.
func AppendEventJSON(b []byte, e *Event) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"model":`...)
	b = appendJSONString(b, e.Model)
	b = append(b, `,"key":`...)
	b = appendJSONString(b, e.Key)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, e.Kind)
	b = append(b, `,"row":`...)
	b = appendJSONInt(b, e.Row)
	b = append(b, `,"topic":`...)
	b = appendJSONString(b, e.Topic)
	b = append(b, `,"partition":`...)
	b = appendJSONInt(b, int64(e.Partition))
	b = append(b, `,"offset":`...)
	b = appendJSONInt(b, e.Offset)
	b = append(b, `,"index":`...)
	b = appendJSONInt(b, int64(e.Index))
	b = append(b, `,"stats":{`...)
	for i, s := range e.Stats {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONFloat(append(appendJSONString(b, s.Name), ':'), s.Value)
	}
	return append(b, `}}`...)
}

type eventJSON struct {
	ID        string      `json:"id"`
	Model     string      `json:"model"`
	Key       string      `json:"key"`
	Kind      string      `json:"kind"`
	Row       int64       `json:"row"`
	Topic     string      `json:"topic"`
	Partition int32       `json:"partition"`
	Offset    int64       `json:"offset"`
	Index     int32       `json:"index"`
	Stats     metricsJSON `json:"stats"`
}

// ReadEventJSON decodes one JSON object written by AppendEventJSON into e.
func ReadEventJSON(data []byte, e *Event) error {
	ej, err := decodeJSONObject[eventJSON](data)
	if err != nil {
		return fmt.Errorf("wire: read event json: %w", err)
	}
	*e = Event{
		ID: ej.ID, Model: ej.Model, Key: ej.Key, Kind: ej.Kind, Row: ej.Row,
		Topic: ej.Topic, Partition: ej.Partition, Offset: ej.Offset, Index: ej.Index, Stats: ej.Stats,
	}
	return nil
}

// EventCodec returns the goka codec of an events topic. Encode takes an
// Event or a non-nil *Event; Decode returns an *Event.
func EventCodec(encoding string) (goka.Codec, error) {
	return pick(encoding,
		codec[Event]{"event", to[Event], sized(AppendEventJSON, 384), ReadEventJSON},
		codec[Event]{"event", to[Event], sized(AppendEvent, 256), ReadEvent})
}
