package integration

import (
	"os"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/topology"
)

// longOnly skips the issue-sized variants unless STREAMSGD_CRASH_LONG is
// set (`make crash` sets it): they take minutes, the default suite must not.
func longOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("STREAMSGD_CRASH_LONG") == "" {
		t.Skip("issue-sized run: set STREAMSGD_CRASH_LONG=1 (make crash)")
	}
}

// reference is a pipeline run in this process on the same input topic and
// never disturbed: its models are what a crashed run must end with.
type reference struct {
	p  *topology.Pipeline
	in *instance
}

// startReference starts a reference pipeline of the sensor models on input.
func startReference(t *testing.T, brokers []string, input string) *reference {
	t.Helper()
	p := pipeline(t, brokers, "ref.yaml", sensorYAML(unique("ref"), input, crashPartitions))
	return &reference{p: p, in: start(t, p, brokers, "ref")}
}

// states waits until the reference predicted every row of want, stops it,
// checks its predictions cover want, and returns its table.
func (r *reference) states(t *testing.T, brokers []string, want map[string]bool) map[string]*table.ModelState {
	t.Helper()
	seen := predictions(t, brokers, r.p, len(want), 2*time.Minute, r.in)
	r.in.stop()
	checkCovered(t, seen, want)
	return tableStates(t, brokers, r.p)
}

// verifyRun waits until the pipeline p, run by the processes ps, predicted
// every row of the input topic, stops ps (SIGTERM), and checks that every
// row has at least one prediction per model and nothing else does, and that
// its models equal the reference's: the same rows learned, and per-sensor
// weights equal bit for bit. It returns the number of repeated predictions.
// On a failure it logs what the watch w (if any) saw of the table and where
// a replay of the examples topic would lose rows.
func verifyRun(t *testing.T, brokers []string, p *topology.Pipeline, input string, ref *reference, w *tableWatch, ps ...*proc) (repeated int) {
	t.Helper()
	return verify(t, brokers, p, input, ref, w, true, func() []*proc { return ps })
}

// verify is verifyRun when exact; otherwise it checks the run may have lost
// rows of the model state but never applied one twice: every model key has
// learned at most the reference's rows, and the rows it lacks are logged,
// not failed. running returns the processes to stop once the predictions
// are complete (a supervisor stops restarting them then).
func verify(t *testing.T, brokers []string, p *topology.Pipeline, input string, ref *reference, w *tableWatch, exact bool, running func() []*proc) (repeated int) {
	t.Helper()
	want := inputIDs(t, brokers, input)
	seen := predictions(t, brokers, p, len(want), 2*time.Minute)
	ps := running()
	if !complete(seen, len(want)) {
		logOffsets(t, admin(t, brokers), p)
		for _, pr := range ps {
			if !pr.exited() {
				pr.dump() // goroutines of a stuck process, in its output
			}
			t.Logf("%s:\n%s", pr.id, pr.stderr)
		}
	}
	for _, pr := range ps {
		pr.stop()
	}
	repeated = checkCovered(t, seen, want)
	refStates, got := ref.states(t, brokers, want), tableStates(t, brokers, p)
	if exact {
		compareStates(t, refStates, got, len(want))
	} else {
		compareAtMost(t, refStates, got)
	}
	if t.Failed() || !exact {
		if w != nil {
			w.report(t)
		}
		explainLoss(t, brokers, p)
	}
	return repeated
}

// compareAtMost fails the test unless every model key of the reference is
// in got with at most the reference's rows (no row learned twice), and
// logs how many rows the keys lack.
func compareAtMost(t *testing.T, ref, got map[string]*table.ModelState) {
	t.Helper()
	var lost int64
	short := 0
	for key, a := range ref {
		b, ok := got[key]
		switch {
		case !ok:
			t.Errorf("key %q: in the reference, not in the crashed pipeline", key)
		case b.Rows > a.Rows:
			t.Errorf("key %q: learned %d rows, the reference %d: rows applied twice", key, b.Rows, a.Rows)
		case b.Rows < a.Rows:
			short++
			lost += a.Rows - b.Rows
		}
	}
	for key := range got {
		if _, ok := ref[key]; !ok {
			t.Errorf("key %q: in the crashed pipeline, not in the reference", key)
		}
	}
	t.Logf("model state: %d of %d keys lack rows (%d rows in all); none has more than the reference", short, len(ref), lost)
}
