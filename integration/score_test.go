package integration

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/registry"
)

// TestBatchScore trains the sensor pipeline (a global and a per-entity
// regression) on the broker, then runs the `streamsgd score` command: a
// file with global@VERSION (an older kept version, not the newest), the
// same file with the per-entity model's newest versions, and the input
// topic to an output topic. Every prediction must be that version's
// Predict, every row scored or rejected, and --evaluate's metrics
// printed; the topic's predictions carry the pipeline's ids and fields.
func TestBatchScore(t *testing.T) {
	brokers := cluster(t)
	bin := buildCLI(t)
	name, in := unique("bscore"), unique("bscore-in")
	ctx := context.Background()
	if err := operations.CreateTopic(ctx, admin(t, brokers), in, 2, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(cfgPath, []byte(checkpointYAML(name, in)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := pipeline(t, brokers, cfgPath, checkpointYAML(name, in))
	keys, values := sensorCSV(ckptRows, ckptSensors, 5)
	produceRecords(t, brokers, in, keys, values)
	inst := start(t, p, brokers, name)
	c, err := registry.New(p, brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	regs := awaitRegistry(t, c, inst, "global", ckptRows)
	inst.stop()
	older := regs["global"].Versions[0]
	if older.ID == regs["global"].LastID {
		t.Fatalf("global has one version only: %s", regs["global"].IDs())
	}

	// The file: every row, a bad line, and an entity without a model.
	file := filepath.Join(dir, "sensors.csv")
	lines := make([]string, 0, len(values)+2)
	for _, v := range values {
		lines = append(lines, string(v))
	}
	lines = append(lines, "s001,1,2,oops,4", "s999,1,0.5,0.5,0.5")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	brokerFlag := "--brokers=" + strings.Join(brokers, ",")

	t.Run("file global@version", func(t *testing.T) {
		out := filepath.Join(dir, "global.csv")
		ref := fmt.Sprintf("global@%d", older.ID)
		stdout, stderr := runCLI(t, bin, "score", "--config", cfgPath, "--model", ref, "--input", file, "--output", out, "--evaluate", brokerFlag)
		want := fmt.Sprintf("%d rows, %d scored, 1 rejected", len(lines), len(lines)-1)
		if !strings.Contains(stderr, want) || !strings.Contains(stderr, fmt.Sprintf("version %d, %d rows learned", older.ID, older.Rows)) ||
			!strings.Contains(stderr, "rejected line 3001: column x1: parse") {
			t.Errorf("stderr:\n%s", stderr)
		}
		for _, m := range []string{"rmse", "mae", "r2", "rows"} {
			if !strings.Contains(stdout, m) {
				t.Errorf("--evaluate lacks %s:\n%s", m, stdout)
			}
		}
		m := restore(t, &older)
		checkScored(t, out, lines, func(key string) *model.Model {
			if key != "global" {
				t.Fatalf("key %q", key)
			}
			return m
		})
	})

	t.Run("file per-entity newest", func(t *testing.T) {
		out := filepath.Join(dir, "per.csv")
		_, stderr := runCLI(t, bin, "score", "--config", cfgPath, "--model", "per_sensor", "--input", file, "--output", out, brokerFlag)
		if !strings.Contains(stderr, fmt.Sprintf("%d scored, 2 rejected", len(lines)-2)) ||
			!strings.Contains(stderr, "rejected line 3002: no model to score with: key per_sensor/s999: no version in the registry") {
			t.Errorf("stderr:\n%s", stderr)
		}
		models := map[string]*model.Model{}
		for key, reg := range regs {
			if reg.Model == "per_sensor" {
				models[key] = restore(t, reg.Latest())
			}
		}
		checkScored(t, out, lines, func(key string) *model.Model { return models[key] })
	})

	t.Run("topic to topic", func(t *testing.T) {
		// A bad row and an empty record after the training rows.
		produceRecords(t, brokers, in, [][]byte{[]byte("s001"), []byte("s002")}, [][]byte{[]byte("s001,1,x,2,3"), nil})
		outTopic := unique("bscore-out")
		_, stderr := runCLI(t, bin, "score", "--config", cfgPath, "--model", "global@"+strconv.FormatInt(older.ID, 10),
			"--input-topic", in, "--output-topic", outTopic, "--evaluate", brokerFlag)
		if !strings.Contains(stderr, fmt.Sprintf("%d rows, %d scored, 2 rejected", ckptRows+2, ckptRows)) ||
			!strings.Contains(stderr, "/0: column x0: parse \"x\": invalid syntax") || !strings.Contains(stderr, "/-1: empty message") {
			t.Errorf("stderr:\n%s", stderr)
		}
		m := restore(t, &older)
		preds := readPredictions(t, brokers, outTopic, ckptRows)
		for _, pr := range preds {
			if pr.Model != "global" || pr.Key != "global" || pr.Version != older.Rows || pr.Topic != in || pr.Index != 0 ||
				pr.ID != fmt.Sprintf("%s/%d/%d/0", in, pr.Partition, pr.Offset) || pr.Label == nil {
				t.Fatalf("prediction %+v", pr)
			}
		}
		checkTopicScores(t, brokers, in, preds, m)
	})
}

// runCLI runs the streamsgd binary and returns its standard output and
// error; a failure fails the test.
func runCLI(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("streamsgd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	t.Logf("streamsgd %s:\n%s%s", args[0], stderr.String(), stdout.String())
	return stdout.String(), stderr.String()
}

func restore(t *testing.T, v *table.Version) *model.Model {
	t.Helper()
	m, err := v.Restore()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// features parses the x0..x2 of a sensor row "sensor,y,x0,x1,x2".
func features(t *testing.T, line string) []float64 {
	t.Helper()
	f := strings.Split(line, ",")
	x := make([]float64, 3)
	for i := range x {
		var err error
		if x[i], err = strconv.ParseFloat(f[2+i], 64); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
	}
	return x
}

// checkScored checks an output CSV: one line per good input line, in order,
// each the Predict of its key's model.
func checkScored(t *testing.T, path string, in []string, modelOf func(key string) *model.Model) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Split(strings.TrimSpace(string(data)), "\n")
	if out[0] != "line,key,predicted,label" {
		t.Fatalf("header %q", out[0])
	}
	n := 0
	for _, l := range out[1:] {
		f := strings.Split(l, ",")
		line, _ := strconv.Atoi(f[0])
		m := modelOf(f[1])
		if m == nil || line < 1 || line > len(in) {
			t.Fatalf("output %q", l)
		}
		want := make([]float64, 1)
		if err := m.Predict(features(t, in[line-1]), want); err != nil {
			t.Fatal(err)
		}
		got, _ := strconv.ParseFloat(f[2], 64)
		if math.Abs(got-want[0]) > 1e-12 || f[3] != strings.Split(in[line-1], ",")[1] {
			t.Fatalf("line %d: %q, want %v", line, l, want[0])
		}
		n++
	}
	if n < len(in)-2 {
		t.Errorf("%d lines scored of %d", n, len(in))
	}
}

// readPredictions reads n predictions from a topic.
func readPredictions(t *testing.T, brokers []string, topic string, n int) []wire.Prediction {
	t.Helper()
	dec, err := wire.PredictionCodec(wire.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Prediction
	scan(t, brokers, topic, func(r *kgo.Record) bool {
		v, err := dec.Decode(r.Value)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		for _, p := range v.(*wire.PredictionBatch).Predictions {
			if string(r.Key) != p.Key {
				t.Fatalf("record key %q holds key %q", r.Key, p.Key)
			}
			out = append(out, p)
		}
		return len(out) >= n
	})
	if len(out) != n {
		t.Fatalf("%d predictions, want %d", len(out), n)
	}
	return out
}

// checkTopicScores checks each prediction against Predict on the input
// record it names.
func checkTopicScores(t *testing.T, brokers []string, in string, preds []wire.Prediction, m *model.Model) {
	t.Helper()
	rows := map[string][]byte{}
	scan(t, brokers, in, func(r *kgo.Record) bool {
		rows[fmt.Sprintf("%s/%d/%d/0", r.Topic, r.Partition, r.Offset)] = r.Value
		return len(rows) >= len(preds)+2 // and the two rejected records
	})
	for _, pr := range preds {
		want := make([]float64, 1)
		if err := m.Predict(features(t, string(rows[pr.ID])), want); err != nil {
			t.Fatal(err)
		}
		if math.Abs(pr.Scores[0]-want[0]) > 1e-12 || pr.Predicted != pr.Scores[0] {
			t.Fatalf("%s: scores %v, want %v", pr.ID, pr.Scores, want)
		}
	}
}

// scan reads a topic from its start until fn returns true (or 30 s pass).
func scan(t *testing.T, brokers []string, topic string, fn func(*kgo.Record) bool) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		for it := fs.RecordIter(); !it.Done(); {
			if fn(it.Next()) {
				return
			}
		}
	}
}
