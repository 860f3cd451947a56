package wire

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// predictionMirror is a Prediction as encoding/json would write it, with
// non-finite floats as nil.
type predictionMirror struct {
	ID        string     `json:"id"`
	Topic     string     `json:"topic"`
	Partition int32      `json:"partition"`
	Offset    int64      `json:"offset"`
	Index     int32      `json:"index"`
	Model     string     `json:"model"`
	Key       string     `json:"key"`
	Version   int64      `json:"version"`
	Scores    []*float64 `json:"scores"`
	Predicted *float64   `json:"predicted"`
	Label     *float64   `json:"label"`
}

func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func mirror(p *Prediction) predictionMirror {
	m := predictionMirror{ID: p.ID, Topic: p.Topic, Partition: p.Partition, Offset: p.Offset, Index: p.Index,
		Model: p.Model, Key: p.Key, Version: p.Version, Scores: []*float64{}, Predicted: finite(p.Predicted)}
	for _, s := range p.Scores {
		m.Scores = append(m.Scores, finite(s))
	}
	if p.Label != nil {
		m.Label = finite(*p.Label)
	}
	return m
}

// TestPredictionJSONMatchesEncodingJSON proves the hand-written JSON is what
// encoding/json writes (HTML escaping off), string escapes and float
// formats included.
func TestPredictionJSONMatchesEncodingJSON(t *testing.T) {
	g := newGen(4)
	for i := range 500 {
		p := g.prediction()
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(mirror(&p)); err != nil {
			t.Fatal(err)
		}
		got := AppendPredictionJSON(nil, &p)
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("#%d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

func TestPredictionJSON(t *testing.T) {
	label := 1.0
	p := Prediction{ID: "susy/0/42/3", Topic: "susy", Offset: 42, Index: 3, Model: "lr", Key: "global-0",
		Version: 1000, Scores: []float64{0.75}, Predicted: 1, Label: &label}
	nan := p
	nan.Scores, nan.Predicted, nan.Label = []float64{math.NaN(), math.Inf(1)}, math.Inf(-1), nil
	tests := []struct {
		name string
		pb   PredictionBatch
		want string
	}{
		{"empty", PredictionBatch{}, ""},
		{"one", PredictionBatch{Predictions: []Prediction{p}},
			`{"id":"susy/0/42/3","topic":"susy","partition":0,"offset":42,"index":3,"model":"lr","key":"global-0","version":1000,"scores":[0.75],"predicted":1,"label":1}`},
		{"non-finite", PredictionBatch{Predictions: []Prediction{nan}},
			`{"id":"susy/0/42/3","topic":"susy","partition":0,"offset":42,"index":3,"model":"lr","key":"global-0","version":1000,"scores":[null,null],"predicted":null,"label":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(AppendPredictionBatchJSON(nil, &tt.pb)); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPredictionJSONLines(t *testing.T) {
	pb := newGen(5).predictionBatch(0)
	for i := range 3 {
		pb.Predictions = append(pb.Predictions, Prediction{ID: string(rune('a' + i)), Key: "line\nbreak"})
	}
	lines := strings.Split(string(AppendPredictionBatchJSON(nil, &pb)), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %q", len(lines), lines)
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if m["id"] != string(rune('a'+i)) {
			t.Errorf("line %d: id %v", i, m["id"])
		}
	}
}

func TestDeadLetterJSON(t *testing.T) {
	tests := []struct {
		name string
		d    DeadLetter
		want string
	}{
		{"text", DeadLetter{Topic: "in", Offset: 7, Index: WholeMessage, Key: []byte("k"), Value: []byte("1,2,x"), Reason: "bad float"},
			`{"topic":"in","partition":0,"offset":7,"index":-1,"key":"k","key_base64":"aw==","value":"1,2,x","value_base64":"MSwyLHg=","reason":"bad float","key_size":0,"key_sha256":null,"value_size":0,"value_sha256":null,"truncated":false}`},
		{"binary and nil", DeadLetter{Topic: "in", Value: []byte{0xff, 0}, Reason: "r", ValueSize: 2, ValueSHA256: []byte{1, 2}, Truncated: true},
			`{"topic":"in","partition":0,"offset":0,"index":0,"key":null,"key_base64":null,"value":null,"value_base64":"/wA=","reason":"r","key_size":0,"key_sha256":null,"value_size":2,"value_sha256":"0102","truncated":true}`},
		{"empty", DeadLetter{Key: []byte{}, Value: []byte{}},
			`{"topic":"","partition":0,"offset":0,"index":0,"key":"","key_base64":"","value":"","value_base64":"","reason":"","key_size":0,"key_sha256":null,"value_size":0,"value_sha256":null,"truncated":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendDeadLetterJSON(nil, &tt.d)
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			var back DeadLetter
			if err := ReadDeadLetterJSON(got, &back); err != nil {
				t.Fatal(err)
			}
			if !same(back, tt.d) || (back.Key == nil) != (tt.d.Key == nil) || (back.Value == nil) != (tt.d.Value == nil) {
				t.Fatalf("round trip %+v, want %+v", back, tt.d)
			}
		})
	}
}

func TestMetricSnapshotJSON(t *testing.T) {
	m := MetricSnapshot{Model: "lr", Key: "k", Version: 10, Rows: 10, Window: 10,
		Metrics: []Metric{{"log_loss", 0.5}, {"auc", math.NaN()}, {"accuracy", 1}}, SourceTopic: "in", SourceOffset: 9}
	want := `{"model":"lr","key":"k","version":10,"rows":10,"invalid":0,"window":10,` +
		`"metrics":{"log_loss":0.5,"auc":null,"accuracy":1},"source_topic":"in","source_partition":0,"source_offset":9}`
	got := AppendMetricSnapshotJSON(nil, &m)
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var back MetricSnapshot
	if err := ReadMetricSnapshotJSON(got, &back); err != nil {
		t.Fatal(err)
	}
	if !same(back, m) {
		t.Fatalf("round trip %+v, want %+v", back, m)
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		read func([]byte) error
		data string
		want string
	}{
		{"prediction null line", func(b []byte) error { return ReadPredictionBatchJSON(b, new(PredictionBatch)) }, "null", "null instead of an object"},
		{"prediction array", func(b []byte) error { return ReadPredictionBatchJSON(b, new(PredictionBatch)) }, "[1]", "cannot unmarshal"},
		{"prediction string score", func(b []byte) error { return ReadPredictionBatchJSON(b, new(PredictionBatch)) }, `{"scores":["1"]}`, "invalid syntax"},
		{"prediction huge score", func(b []byte) error { return ReadPredictionBatchJSON(b, new(PredictionBatch)) }, `{"scores":[1e999]}`, "out of range"},
		{"prediction partition overflow", func(b []byte) error { return ReadPredictionBatchJSON(b, new(PredictionBatch)) }, `{"partition":4294967296}`, "cannot unmarshal"},
		{"prediction truncated", func(b []byte) error { return ReadPredictionBatchJSON(b, new(PredictionBatch)) }, `{"id":"a"`, "unexpected EOF"},
		{"metric two objects", func(b []byte) error { return ReadMetricSnapshotJSON(b, new(MetricSnapshot)) }, "{} {}", "more than one object"},
		{"metric none", func(b []byte) error { return ReadMetricSnapshotJSON(b, new(MetricSnapshot)) }, " ", "no object"},
		{"metric list", func(b []byte) error { return ReadMetricSnapshotJSON(b, new(MetricSnapshot)) }, `{"metrics":[1]}`, "not an object"},
		{"metric nested", func(b []byte) error { return ReadMetricSnapshotJSON(b, new(MetricSnapshot)) }, `{"metrics":{"a":{}}}`, "metrics: a"},
		{"dead letter base64", func(b []byte) error { return ReadDeadLetterJSON(b, new(DeadLetter)) }, `{"key_base64":"!!"}`, "key_base64"},
		{"exported model bytes", func(b []byte) error { return ReadExportedModelJSON(b, new(ExportedModel)) }, `{"model_bytes":"!!"}`, "illegal base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "wire: ") {
				t.Errorf("err %q lacks the package prefix", err)
			}
		})
	}
}
