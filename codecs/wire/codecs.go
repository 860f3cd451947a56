package wire

import (
	"errors"
	"fmt"

	"github.com/lovoo/goka"
)

// Output encodings, chosen per output topic.
const (
	JSON = "json" // the default: JSON Lines for predictions, one object otherwise
	Avro = "avro" // the Avro binary of the matching schema in package schemas
)

// ErrUnknownEncoding is wrapped by the errors of the codec constructors.
var ErrUnknownEncoding = errors.New("wire: unknown encoding")

// CheckEncoding reports whether encoding names an output encoding; "" is
// JSON.
func CheckEncoding(encoding string) error {
	switch encoding {
	case "", JSON, Avro:
		return nil
	}
	return fmt.Errorf("%w %q (want %q or %q)", ErrUnknownEncoding, encoding, JSON, Avro)
}

// PredictionCodec returns the goka codec of a predictions topic. Encode
// takes a PredictionBatch or a Prediction (a batch of one), or a non-nil
// pointer to either; Decode returns a *PredictionBatch.
func PredictionCodec(encoding string) (goka.Codec, error) {
	return pick(encoding,
		codec[PredictionBatch]{"prediction", toPredictionBatch, jsonPredictions, ReadPredictionBatchJSON},
		codec[PredictionBatch]{"prediction", toPredictionBatch, avroPredictions, ReadPredictionBatch})
}

// MetricSnapshotCodec returns the goka codec of a metrics topic. Encode
// takes a MetricSnapshot or a non-nil *MetricSnapshot; Decode returns a
// *MetricSnapshot.
func MetricSnapshotCodec(encoding string) (goka.Codec, error) {
	return pick(encoding,
		codec[MetricSnapshot]{"metric snapshot", to[MetricSnapshot], sized(AppendMetricSnapshotJSON, 256), ReadMetricSnapshotJSON},
		codec[MetricSnapshot]{"metric snapshot", to[MetricSnapshot], sized(AppendMetricSnapshot, 128), ReadMetricSnapshot})
}

// DeadLetterCodec returns the goka codec of a dead-letter topic. Encode
// takes a DeadLetter or a non-nil *DeadLetter; Decode returns a
// *DeadLetter.
func DeadLetterCodec(encoding string) (goka.Codec, error) {
	return pick(encoding,
		codec[DeadLetter]{"dead letter", to[DeadLetter], sized(AppendDeadLetterJSON, 512), ReadDeadLetterJSON},
		codec[DeadLetter]{"dead letter", to[DeadLetter], sized(AppendDeadLetter, 256), ReadDeadLetter})
}

// ExportedModelCodec returns the codec of exported model versions. Encode
// takes an ExportedModel or a non-nil *ExportedModel; Decode returns a
// *ExportedModel.
func ExportedModelCodec(encoding string) (goka.Codec, error) {
	return pick(encoding,
		codec[ExportedModel]{"exported model", to[ExportedModel], sized(AppendExportedModelJSON, 1024), ReadExportedModelJSON},
		codec[ExportedModel]{"exported model", to[ExportedModel], sized(AppendExportedModel, 512), ReadExportedModel})
}

func pick(encoding string, json, avro goka.Codec) (goka.Codec, error) {
	if err := CheckEncoding(encoding); err != nil {
		return nil, err
	}
	if encoding == Avro {
		return avro, nil
	}
	return json, nil
}

// codec is a goka.Codec made of an append-style encoder and a decoder.
type codec[T any] struct {
	name   string
	from   func(value any) *T // nil when value is not a T
	encode func(v *T) []byte  // a new slice
	decode func(data []byte, v *T) error
}

func (c codec[T]) Encode(value any) ([]byte, error) {
	v := c.from(value)
	if v == nil {
		return nil, fmt.Errorf("wire: %s codec: cannot encode %T", c.name, value)
	}
	return c.encode(v), nil
}

func (c codec[T]) Decode(data []byte) (any, error) {
	v := new(T)
	if err := c.decode(data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// to accepts a T or a *T.
func to[T any](value any) *T {
	switch v := value.(type) {
	case *T:
		return v
	case T:
		return &v
	}
	return nil
}

func toPredictionBatch(value any) *PredictionBatch {
	if pb := to[PredictionBatch](value); pb != nil {
		return pb
	}
	if p := to[Prediction](value); p != nil {
		return &PredictionBatch{Predictions: []Prediction{*p}}
	}
	return nil
}

// sized turns an append-style encoder into one that writes a new slice of
// the given initial capacity.
func sized[T any](appendFn func([]byte, *T) []byte, capacity int) func(*T) []byte {
	return func(v *T) []byte { return appendFn(make([]byte, 0, capacity), v) }
}

func jsonPredictions(pb *PredictionBatch) []byte {
	return AppendPredictionBatchJSON(make([]byte, 0, predictionBatchJSONSize(pb)), pb)
}

func avroPredictions(pb *PredictionBatch) []byte {
	return AppendPredictionBatch(make([]byte, 0, predictionBatchSize(pb)), pb)
}
