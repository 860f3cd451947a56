package integration

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/topology"
)

// avroRowSchema: numeric features of several Avro types and an int label.
const avroRowSchema = `{"type": "record", "name": "Row", "namespace": "streamsgd.test", "fields": [` +
	`{"name": "x0", "type": "double"}, {"name": "x1", "type": "float"}, ` +
	`{"name": "x2", "type": ["null", "double"]}, {"name": "label", "type": "int"}]}`

// avroConfluentID is the schema id the Confluent pipeline accepts.
const avroConfluentID = 42

func avroCodec(t *testing.T) *goavro.Codec {
	t.Helper()
	c, err := goavro.NewCodec(avroRowSchema)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// avroRow is a record of a logistic ground truth.
func avroRow(r *rand.Rand) map[string]any {
	x := [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
	y := int32(0)
	if x[0]-0.7*x[1]+0.4*x[2]+0.3*r.NormFloat64() > 0 {
		y = 1
	}
	return map[string]any{"x0": x[0], "x1": float32(x[1]), "x2": goavro.Union("double", x[2]), "label": y}
}

func avroRows(r *rand.Rand, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = avroRow(r)
	}
	return out
}

// avroBinary concatenates the binary encodings of records.
func avroBinary(t *testing.T, c *goavro.Codec, recs ...map[string]any) []byte {
	t.Helper()
	var b []byte
	for _, rec := range recs {
		var err error
		if b, err = c.BinaryFromNative(b, rec); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// avroOCF writes records as an Object Container File, blocks of at most
// perBlock records, compressed with compression.
func avroOCF(t *testing.T, compression string, perBlock int, recs []map[string]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := goavro.NewOCFWriter(goavro.OCFConfig{W: &buf, Schema: avroRowSchema, CompressionName: compression})
	if err != nil {
		t.Fatal(err)
	}
	for chunk := range slices.Chunk(recs, perBlock) {
		if err := w.Append(chunk); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// confluent frames an Avro body with magic byte 0 and a schema id.
func confluent(id uint32, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{0}, id), body...)
}

// goodAvro makes n messages of 1 to 4 good records each, encoded by enc.
func goodAvro(r *rand.Rand, n int, enc func(recs []map[string]any) []byte) []message {
	out := make([]message, n)
	for i := range out {
		recs := avroRows(r, 1+r.IntN(4))
		out[i] = message{rec: &kgo.Record{Value: enc(recs)}}
		for j := range recs {
			out[i].good = append(out[i].good, int32(j))
		}
	}
	return out
}

// mix inserts the special messages at random places among the others.
func mix(r *rand.Rand, msgs []message, special ...message) []message {
	for _, m := range special {
		msgs = slices.Insert(msgs, r.IntN(len(msgs)+1), m)
	}
	return msgs
}

// avroBadBinary are binary-mode messages with bad records among good ones.
func avroBadBinary(t *testing.T, r *rand.Rand, c *goavro.Codec) []message {
	good := func() []byte { return avroBinary(t, c, avroRow(r)) }
	nan := avroRow(r)
	nan["x0"] = math.NaN()
	nanRaw := avroBinary(t, c, nan)
	null := avroRow(r)
	null["x2"] = nil
	nullRaw := avroBinary(t, c, null)
	truncated := good()
	truncated = truncated[:len(truncated)-6] // cuts into x2
	return []message{
		{
			rec:  &kgo.Record{Value: slices.Concat(good(), good(), truncated)},
			good: []int32{0, 1},
			bad:  []badRow{{2, string(truncated), "row 2: undecodable record"}},
		},
		{
			rec:  &kgo.Record{Value: slices.Concat(good(), nanRaw, good())},
			good: []int32{0, 2},
			bad:  []badRow{{1, string(nanRaw), "row 1: field x0: NaN is not a finite number"}},
		},
		{
			rec: &kgo.Record{Value: nullRaw},
			bad: []badRow{{0, string(nullRaw), "row 0: field x2: null"}},
		},
	}
}

// avroPipelineYAML is the config of a one-model pipeline over Avro input;
// avro is the body of input.avro, output of output.
func avroPipelineYAML(name, input, avro, output string) string {
	return fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  format: avro
  avro: %s
  label: {from: column, column: label}
output: %s
models:
  - name: logreg
    task: binary
    metrics: {window: 100, emit_every: 50}
`, name, input, avro, output)
}

// TestAvroInputsAndOutputs runs three Avro pipelines side by side:
//   - binary mode, several records per message, some bad, every output
//     topic in Avro: rows predicted exactly once (decoded with the Avro
//     prediction codec), metric snapshots and dead letters decode as Avro;
//   - Object Container Files (schema_file, null/deflate/snappy blocks), with
//     one message that is not an OCF;
//   - the Confluent wire format, where a message with an unknown schema id
//     is dead-lettered whole, with a reason naming the id.
func TestAvroInputsAndOutputs(t *testing.T) {
	brokers := cluster(t)
	r := rand.New(rand.NewPCG(5, 6))
	c := avroCodec(t)
	enc := func(recs []map[string]any) []byte { return avroBinary(t, c, recs...) }

	// 1. binary records, Avro outputs.
	binIn := inputTopic(t, brokers, "avro-bin", 2)
	binName := unique("avrobin")
	binP := pipeline(t, brokers, binName+".yaml", avroPipelineYAML(binName, binIn,
		fmt.Sprintf("{schema: '%s', mode: binary}", avroRowSchema), "{encoding: avro}"))
	binE := produceMessages(t, brokers, binIn, mix(r, goodAvro(r, 120, enc), avroBadBinary(t, r, c)...))

	// 2. Object Container Files, the schema in a file beside the config.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "row.avsc"), []byte(avroRowSchema), 0o600); err != nil {
		t.Fatal(err)
	}
	ocfIn := inputTopic(t, brokers, "avro-ocf", 2)
	ocfName := unique("avroocf")
	ocfP := pipeline(t, brokers, filepath.Join(dir, ocfName+".yaml"), avroPipelineYAML(ocfName, ocfIn,
		"{schema_file: row.avsc, mode: ocf}", "{encoding: json}"))
	compressions := []string{"null", "deflate", "snappy"}
	ocfMsgs := make([]message, 60)
	for i := range ocfMsgs {
		recs := avroRows(r, 1+r.IntN(6))
		ocfMsgs[i] = message{rec: &kgo.Record{Value: avroOCF(t, compressions[i%3], 1+r.IntN(3), recs)}}
		for j := range recs {
			ocfMsgs[i].good = append(ocfMsgs[i].good, int32(j))
		}
	}
	notOCF := avroBinary(t, c, avroRow(r))
	ocfE := produceMessages(t, brokers, ocfIn, mix(r, ocfMsgs,
		message{rec: &kgo.Record{Value: notOCF}, bad: []badRow{{wire.WholeMessage, string(notOCF), "bad magic"}}}))

	// 3. Confluent framing; one message has an unknown schema id.
	cfIn := inputTopic(t, brokers, "avro-cf", 2)
	cfName := unique("avrocf")
	cfP := pipeline(t, brokers, cfName+".yaml", avroPipelineYAML(cfName, cfIn,
		fmt.Sprintf("{schema: '%s', mode: confluent, schema_ids: [%d]}", avroRowSchema, avroConfluentID), "{encoding: avro}"))
	unknown := confluent(7, avroBinary(t, c, avroRows(r, 2)...))
	cfE := produceMessages(t, brokers, cfIn, mix(r,
		goodAvro(r, 100, func(recs []map[string]any) []byte { return confluent(avroConfluentID, enc(recs)) }),
		message{rec: &kgo.Record{Value: unknown}, bad: []badRow{{wire.WholeMessage, string(unknown), "unknown schema id 7"}}}))

	binIns := start(t, binP, brokers, binName)
	ocfIns := start(t, ocfP, brokers, ocfName)
	cfIns := start(t, cfP, brokers, cfName)

	t.Run("binary", func(t *testing.T) {
		if binP.Config.Output.Predictions != wire.Avro || binP.Config.Output.Metrics != wire.Avro || binP.Config.Output.DeadLetter != wire.Avro {
			t.Fatalf("outputs %+v, want all avro", binP.Config.Output)
		}
		checkRun(t, brokers, binP, binIns, binE)
		checkAvroOutputs(t, brokers, binP, binIns)
	})
	t.Run("ocf", func(t *testing.T) { checkRun(t, brokers, ocfP, ocfIns, ocfE) })
	t.Run("confluent", func(t *testing.T) { checkRun(t, brokers, cfP, cfIns, cfE) })
}

// checkAvroOutputs decodes the predictions and metric snapshots of a
// pipeline with the Avro codecs (and checks they are not JSON).
func checkAvroOutputs(t *testing.T, brokers []string, p *topology.Pipeline, in *instance) {
	pc, err := wire.PredictionCodec(wire.Avro)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := wire.MetricSnapshotCodec(wire.Avro)
	if err != nil {
		t.Fatal(err)
	}
	preds := consume(t, brokers, p.Topics.Predictions, 1, 10*time.Second, in)
	if len(preds) == 0 || bytes.HasPrefix(preds[0].Value, []byte("{")) {
		t.Fatalf("predictions topic: %d records, not Avro", len(preds))
	}
	for _, pb := range decodeAll[wire.PredictionBatch](t, pc, preds) {
		for _, pr := range pb.Predictions {
			if len(pr.Scores) != 1 || pr.Label == nil || pr.Model != "logreg" {
				t.Fatalf("prediction %+v: want one score, a label, model logreg", pr)
			}
		}
	}
	consume(t, brokers, p.Topics.Metrics, 1, 10*time.Second, in)
	recs := consume(t, brokers, p.Topics.Metrics, int(topicSize(t, brokers, p.Topics.Metrics)), 10*time.Second, in)
	if len(recs) == 0 {
		t.Fatal("no metric snapshot")
	}
	for _, s := range decodeAll[wire.MetricSnapshot](t, mc, recs) {
		checkSnapshot(t, s, "logreg", "accuracy", "logloss", "auc")
	}
}

// checkSnapshot checks the model and the metric names of a snapshot.
func checkSnapshot(t *testing.T, s *wire.MetricSnapshot, model string, names ...string) {
	t.Helper()
	var got []string
	for _, m := range s.Metrics {
		got = append(got, m.Name)
	}
	if s.Model != model || s.Rows <= 0 || s.Window <= 0 || !slices.Equal(got, names) {
		t.Errorf("snapshot %+v: want model %s, rows and window > 0, metrics %v", s, model, names)
	}
}
