package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunExitsOnOversizedState: a binary model of 30,000 features (a 1.2
// MB state, over the learn table's 1 MiB records) made learn fail on its
// first write and restart for ever; and a run that ended on such an error
// exited 0. `streamsgd run` now refuses the model once connected, with one
// line naming the field, and exits 1.
func TestRunExitsOnOversizedState(t *testing.T) {
	brokers := cluster(t)
	bin := buildCLI(t)
	in := inputTopic(t, brokers, "wide-in", 1)
	name := unique("wide")
	cols := make([]string, 30_000)
	for i := range cols {
		cols[i] = fmt.Sprintf("f%d", i)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "wide.yaml")
	yaml := fmt.Sprintf("name: %s\npartitions: 1\ninput:\n  topics: [%s]\n  columns: [label, %s]\n  label: {from: column, column: label}\nmodels:\n  - {name: m}\n",
		name, in, strings.Join(cols, ", "))
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	last := exitLine(t, func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, bin, "run", "--brokers", strings.Join(brokers, ","), "--config", cfg,
			"--state-dir", filepath.Join(dir, "state"), "--http", "")
	})
	if !strings.Contains(last, "wide.yaml: models[0]: model m: a state of its 30000 features takes") ||
		!strings.Contains(last, name+"-learn-table") {
		t.Errorf("its last line %q, want the model's field and the learn table", last)
	}
}

// TestRunExitsOnChangedOptimizer: restarted with another optimizer for a
// model that had learned, `streamsgd run` failed in goka's decoding of the
// model's state ("config mismatch: state has optimizer 4, want 3") and
// restarted the learn group for ever, predicting nothing. It now exits 1
// with one line that names the model and what to do.
func TestRunExitsOnChangedOptimizer(t *testing.T) {
	brokers := cluster(t)
	bin := buildCLI(t)
	in := inputTopic(t, brokers, "reopt-in", 2)
	name := unique("reopt")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "reopt.yaml")
	write := func(optimizer string) {
		t.Helper()
		yaml := poisonYAML(name, in, "binary") + "    optimizer: {name: " + optimizer + "}\n"
		if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	run := func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, bin, "run", "--brokers", strings.Join(brokers, ","), "--config", cfg,
			"--state-dir", filepath.Join(dir, "state"), "--http", "")
	}

	write("ftrl")
	produceMessages(t, brokers, in, goodCSV(r, 200))
	first := run(context.Background())
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	readPredictions(t, brokers, name+".predictions", 200)
	if err := first.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("the first run: %v", err)
	}

	write("adam")
	produceMessages(t, brokers, in, goodCSV(r, 10))
	if last := exitLine(t, run); !strings.Contains(last, `model m key "m": its state was learned under another config of the model`) ||
		!strings.Contains(last, "config mismatch") || !strings.Contains(last, "new name") {
		t.Errorf("its last line %q", last)
	}
}

// exitLine runs the command cmd makes (with a context of 2 minutes), wants
// it to exit 1, and returns the last line of its standard error.
func exitLine(t *testing.T, cmd func(context.Context) *exec.Cmd) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := cmd(ctx)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	err := c.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || ctx.Err() != nil {
		t.Fatalf("%s: %v (want exit 1)\n%s", strings.Join(c.Args, " "), err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	return lines[len(lines)-1]
}
