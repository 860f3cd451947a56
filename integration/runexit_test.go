package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--brokers", strings.Join(brokers, ","), "--config", cfg,
		"--state-dir", filepath.Join(dir, "state"), "--http", "")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || ctx.Err() != nil {
		t.Fatalf("run: %v (want exit 1)\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "wide.yaml: models[0]: model m: a state of its 30000 features takes") ||
		!strings.Contains(last, name+"-learn-table") {
		t.Errorf("its last line %q, want the model's field and the learn table", last)
	}
}
