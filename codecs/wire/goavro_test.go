package wire

import (
	"testing"

	"github.com/linkedin/goavro/v2"
	"github.com/streamsgd/streamsgd/schemas"
)

// The goavro native forms of the messages: what goavro itself encodes, to
// prove the hand-written encoders write the same bytes.

func goavroCodec(t testing.TB, name string) *goavro.Codec {
	t.Helper()
	text, err := schemas.Schema(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := goavro.NewCodec(text)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return c
}

func doublesNative(fs []float64) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

func nullableDouble(f float64, ok bool) any {
	if !ok {
		return nil
	}
	return goavro.Union("double", f)
}

func nullableBytes(p []byte) any {
	if p == nil {
		return nil
	}
	return goavro.Union("bytes", p)
}

func exampleBatchNative(eb *ExampleBatch) map[string]any {
	packed := packing(eb).rows
	rows := make([]any, len(eb.Rows))
	var width int32
	ints := []any{}
	for i, r := range eb.Rows {
		features := doublesNative(r.Features)
		if packed != nil && packed[i] {
			features, width = []any{}, int32(len(r.Features))
			for _, f := range r.Features {
				ints = append(ints, int64(f))
			}
		}
		rows[i] = map[string]any{"index": r.Index, "offset_delta": r.Offset - eb.Source.Offset, "features": features, "label": nullableDouble(r.Label, r.HasLabel)}
	}
	return map[string]any{
		"source": map[string]any{"topic": eb.Source.Topic, "partition": eb.Source.Partition, "offset": eb.Source.Offset},
		"model":  eb.Model, "key": eb.Key, "rows": rows, "invalid": eb.Invalid,
		"partial": eb.Partial, "scores": doublesNative(eb.Scores),
		"integer_width": width, "integer_features": ints,
	}
}

func predictionBatchNative(pb *PredictionBatch) map[string]any {
	ps := make([]any, len(pb.Predictions))
	for i, p := range pb.Predictions {
		var label any
		if p.Label != nil {
			label = goavro.Union("double", *p.Label)
		}
		ps[i] = map[string]any{
			"id": p.ID, "topic": p.Topic, "partition": p.Partition, "offset": p.Offset, "index": p.Index,
			"model": p.Model, "key": p.Key, "version": p.Version, "scores": doublesNative(p.Scores),
			"predicted": p.Predicted, "label": label,
		}
	}
	return map[string]any{"predictions": ps}
}

func metricSnapshotNative(m *MetricSnapshot) map[string]any {
	ms := make([]any, len(m.Metrics))
	for i, mt := range m.Metrics {
		ms[i] = map[string]any{"name": mt.Name, "value": mt.Value}
	}
	return map[string]any{
		"model": m.Model, "key": m.Key, "version": m.Version, "rows": m.Rows, "invalid": m.Invalid,
		"window": m.Window, "metrics": ms, "source_topic": m.SourceTopic,
		"source_partition": m.SourcePartition, "source_offset": m.SourceOffset,
	}
}

func eventNative(e *Event) map[string]any {
	ss := make([]any, len(e.Stats))
	for i, s := range e.Stats {
		ss[i] = map[string]any{"name": s.Name, "value": s.Value}
	}
	return map[string]any{
		"id": e.ID, "model": e.Model, "key": e.Key, "kind": e.Kind, "row": e.Row,
		"topic": e.Topic, "partition": e.Partition, "offset": e.Offset, "index": e.Index, "stats": ss,
	}
}

func deadLetterNative(d *DeadLetter) map[string]any {
	return map[string]any{
		"topic": d.Topic, "partition": d.Partition, "offset": d.Offset, "index": d.Index,
		"key": nullableBytes(d.Key), "value": nullableBytes(d.Value), "reason": d.Reason,
		"key_size": d.KeySize, "key_sha256": nullableBytes(d.KeySHA256),
		"value_size": d.ValueSize, "value_sha256": nullableBytes(d.ValueSHA256), "truncated": d.Truncated,
	}
}

func exportedModelNative(s *ExportedModel) map[string]any {
	ws := make([]any, len(s.Watermarks))
	for i, w := range s.Watermarks {
		ws[i] = map[string]any{"topic": w.Topic, "partition": w.Partition, "offset": w.Offset}
	}
	return map[string]any{
		"model": s.Model, "key": s.Key, "config_hash": s.ConfigHash, "version": s.Version, "rows": s.Rows,
		"watermarks": ws, "model_bytes": nonNil(s.ModelBytes), "metrics_bytes": nonNil(s.MetricsBytes),
	}
}
