package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
)

const breastCancer = "../../examples/data/breast_cancer.csv"

const breastCancerYAML = "../../examples/breast-cancer.yaml"

// bcSetup trains the model of examples/breast-cancer.yaml on
// breast_cancer.csv, and exports it as JSON and as Avro into dir, by the
// code of `models export`. It returns the model and the exports' paths.
func bcSetup(t *testing.T, dir string) (*model.Model, map[string]string) {
	t.Helper()
	data, err := os.ReadFile(breastCancer)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(breastCancerYAML)
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := batchscore.FileSpec(cfg.InputSpec(), batchscore.FileInput{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := input.NewDecoder(spec)
	if err != nil {
		t.Fatal(err)
	}
	rows, bad, err := dec.Decode(nil, data, nil)
	if err != nil || len(bad) > 0 || len(rows) != 569 {
		t.Fatalf("%d rows, bad %v, %v", len(rows), bad, err)
	}
	m, err := model.New(p.Specs["logreg"].Model)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		for _, r := range rows {
			if err := m.Learn(r.Features, r.Label); err != nil {
				t.Fatal(err)
			}
		}
	}
	state, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	mc, err := json.Marshal(m.Config())
	if err != nil {
		t.Fatal(err)
	}
	reg := &table.Registry{Model: "logreg", Key: "logreg", LastID: 7,
		Versions: []table.Version{{ID: 7, Time: time.Unix(1_800_000_000, 0), Rows: m.Seen(), Config: mc, State: state}}}
	e, err := registry.NewExport(reg, &reg.Versions[0])
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, format := range []string{registry.FormatJSON, registry.FormatAvro} {
		var b bytes.Buffer
		if err := registry.Write(&b, e, format); err != nil {
			t.Fatal(err)
		}
		files[format] = filepath.Join(dir, "logreg-7."+format)
		if err := os.WriteFile(files[format], b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return m, files
}

// buildStreamsgd builds the command into dir.
func buildStreamsgd(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "streamsgd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestScoreModelFile runs `streamsgd score --model-file` end to end, with
// no broker: breast_cancer.csv scored by an exported model (JSON and
// Avro), every output line against Predict, --evaluate's metrics against
// a brute-force computation, and a bad line rejected to --rejects with its
// line number.
func TestScoreModelFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := buildStreamsgd(t, dir)
	m, files := bcSetup(t, dir)
	cfg := breastCancerYAML
	data, err := os.ReadFile(breastCancer)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := wantMetrics(t, m, lines[1:])
	for format, file := range files {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+format+".csv")
			stdout, stderr := run(t, bin, "score", "--config", cfg, "--model-file", file, "--input", breastCancer, "--header", "--output", out, "--evaluate")
			if !strings.Contains(stderr, "569 rows, 569 scored, 0 rejected") || !strings.Contains(stderr, "key logreg, version 7") {
				t.Errorf("summary:\n%s", stderr)
			}
			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if f := strings.Fields(l); len(f) >= 2 {
					got[f[0]] = f[1]
				}
			}
			for name, v := range want {
				if got[name] != strconv.FormatFloat(v, 'f', 4, 64) {
					t.Errorf("--evaluate gives %s %s, want %.4f:\n%s", name, got[name], v, stdout)
				}
			}
			if got["rows"] != "569" {
				t.Errorf("--evaluate:\n%s", stdout)
			}
			checkOutput(t, m, out, lines)
		})
	}

	// A bad line and a line with a label that is not a number.
	bad := append([]string{}, lines...)
	bad[3] = strings.Replace(bad[3], ",", ",x", 1)
	bad[5] = bad[5][:strings.LastIndexByte(bad[5], ',')] + ",maybe"
	in := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(in, []byte(strings.Join(bad, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "rejects.csv")
	_, stderr := run(t, bin, "score", "--config", cfg, "--model-file", files["json"], "--input", in, "--header",
		"--output", filepath.Join(dir, "out.csv"), "--rejects", rejects)
	if !strings.Contains(stderr, "569 rows, 567 scored, 2 rejected (in "+rejects+")") {
		t.Errorf("summary:\n%s", stderr)
	}
	got, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	if r := string(got); !strings.HasPrefix(r, "line,reason,row\n4,\"column mean_texture: parse \"\"x21.25\"\": invalid syntax\",\"19.69,x21.25,") ||
		!strings.Contains(r, "\n6,\"column target: label parse \"\"maybe\"\": invalid syntax\",") || strings.Count(r, "\n") != 3 {
		t.Errorf("rejects:\n%s", r)
	}
}

// TestScoreOutputIsInput: the output must not overwrite the input.
func TestScoreOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !sameFile(f, filepath.Join(dir, ".", "in.csv")) || sameFile(f, filepath.Join(dir, "out.csv")) {
		t.Error("sameFile")
	}
}

// TestScoreFlags: flag combinations that mean nothing fail with a message.
func TestScoreFlags(t *testing.T) {
	for _, c := range []struct {
		cmd  ScoreCmd
		want string
	}{
		{ScoreCmd{Input: "a", Output: "b"}, "--model"},
		{ScoreCmd{Model: "m", ModelFile: "f", Input: "a", Output: "b"}, "not both"},
		{ScoreCmd{Model: "m", Input: "a"}, "--output"},
		{ScoreCmd{Model: "m", InputTopic: "t"}, "--output-topic"},
		{ScoreCmd{Model: "m", InputTopic: "t", OutputTopic: "u", Header: true}, "describe a file"},
		{ScoreCmd{Model: "m", Input: "a", Output: "b", OutputTopic: "u"}, "--output-topic goes with"},
	} {
		if err := c.cmd.check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cmd, err, c.want)
		}
	}
}

// TestExitStatus: a usage error exits 2 (kong's own code is 80), an
// error of the command 1, both with one line.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	bin := buildStreamsgd(t, dir)
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\npartitions: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		line string
	}{
		{[]string{"run", "--nope"}, 2, "streamsgd: error: unknown flag --nope"},
		{[]string{"tail"}, 2, "streamsgd: error: expected \"<topic>\""},
		{[]string{"topology", "--config", bad}, 1, "streamsgd topology: " + bad + ": partitions: must be >= 1, got 0"},
	} {
		out, err := exec.Command(bin, c.args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != c.code || !strings.HasPrefix(string(out), c.line) ||
			strings.Count(strings.TrimSpace(string(out)), "\n") != 0 {
			t.Errorf("streamsgd %s: %v, output %q; want exit %d and one line %q...", strings.Join(c.args, " "), err, out, c.code, c.line)
		}
	}
}

func run(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("streamsgd %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), stderr.String()
}

// wantMetrics computes accuracy, log loss and AUC by brute force.
func wantMetrics(t *testing.T, m *model.Model, lines []string) map[string]float64 {
	t.Helper()
	var ps, ys []float64
	for _, l := range lines {
		x, y := parseLine(l)
		out := make([]float64, 1)
		if err := m.Predict(x, out); err != nil {
			t.Fatal(err)
		}
		ps, ys = append(ps, out[0]), append(ys, y)
	}
	var correct, logloss, wins, pairs float64
	for i, p := range ps {
		if (p >= 0.5) == (ys[i] == 1) {
			correct++
		}
		q := min(max(p, 1e-15), 1-1e-15)
		if ys[i] == 1 {
			logloss -= math.Log(q)
		} else {
			logloss -= math.Log(1 - q)
		}
		for j, p2 := range ps {
			if ys[i] == 1 && ys[j] == 0 {
				pairs++
				if p > p2 {
					wins++
				} else if p == p2 {
					wins += 0.5
				}
			}
		}
	}
	n := float64(len(ps))
	return map[string]float64{"accuracy": correct / n, "logloss": logloss / n, "auc": wins / pairs}
}

func parseLine(l string) ([]float64, float64) {
	f := strings.Split(l, ",")
	x := make([]float64, len(f)-1)
	for i := range x {
		x[i], _ = strconv.ParseFloat(f[i], 64)
	}
	y, _ := strconv.ParseFloat(f[len(f)-1], 64)
	return x, y
}

// checkOutput checks every output line against Predict on its input line.
func checkOutput(t *testing.T, m *model.Model, path string, in []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Split(strings.TrimSpace(string(data)), "\n")
	if out[0] != "line,key,predicted,p1,label" || len(out) != len(in) {
		t.Fatalf("%d lines, header %q", len(out), out[0])
	}
	for i, l := range out[1:] {
		f := strings.Split(l, ",")
		x, y := parseLine(in[i+1])
		want := make([]float64, 1)
		if err := m.Predict(x, want); err != nil {
			t.Fatal(err)
		}
		p, _ := strconv.ParseFloat(f[3], 64)
		cls := "0"
		if want[0] >= 0.5 {
			cls = "1"
		}
		if f[0] != strconv.Itoa(i+2) || f[1] != "logreg" || f[2] != cls || math.Abs(p-want[0]) > 1e-12 || f[4] != strconv.FormatFloat(y, 'g', -1, 64) {
			t.Fatalf("line %d: %q, want P(1) %v", i+2, l, want[0])
		}
	}
}
