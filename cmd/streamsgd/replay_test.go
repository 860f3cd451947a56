package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
)

func TestParseUntil(t *testing.T) {
	b, err := parseUntil("1234")
	if err != nil || !b.ByOffset || b.Offset != 1234 {
		t.Errorf("offset: %+v %v", b, err)
	}
	b, err = parseUntil("2024-05-01T12:00:00Z")
	if err != nil || b.ByOffset || !b.Time.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("time: %+v %v", b, err)
	}
	if b, err := parseUntil(""); b != nil || err != nil {
		t.Errorf("empty: %+v %v", b, err)
	}
	for _, bad := range []string{"-1", "yesterday", "2024-05-01"} {
		if _, err := parseUntil(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestPrintReplay(t *testing.T) {
	rep := operations.ReplayReport{
		Live: "p", Generation: "p-g", Input: 10, InputPartitions: 1, Elapsed: time.Second, Compared: true,
		Models: []operations.ModelComparison{
			{Model: "global", Keys: 1, LiveKeys: 1, Rows: 10, LiveRows: 10, Identical: 1,
				PerKey: []operations.KeyComparison{{Key: "global", InRebuilt: true, InLive: true, Rows: 10, LiveRows: 10, Identical: true}}},
			{Model: "per", PerEntity: true, Keys: 3, LiveKeys: 3, Rows: 10, LiveRows: 10, Identical: 2, Differ: 1, MaxAbsDiff: 0.5,
				PerKey: []operations.KeyComparison{{Key: "per/a", InRebuilt: true, InLive: true, Rows: 4, LiveRows: 4, MaxAbsDiff: 0.5}}},
		},
	}
	var out bytes.Buffer
	printReplay(&out, rep)
	for _, want := range []string{"10 input records", "global  global", "3 keys (live 3)", "2 of 3", "per/a", "0.5", "some models differ", "deleted"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// Several input partitions: the note names the per-entity model's
	// case (records not keyed by the entity), not only a global model's.
	rep.InputPartitions = 3
	out.Reset()
	printReplay(&out, rep)
	if want := "the rows of an entity whose input records are not keyed by it come from 3 input partitions"; !strings.Contains(out.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, out.String())
	}
	rep.InputPartitions = 1
	rep.Compared, rep.Until, rep.Kept = false, processors.OffsetBound(9), true
	rep.Models[0].PerKey[0].Weights = []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, -10}
	out.Reset()
	printReplay(&out, rep)
	for _, want := range []string{"rebuilt as of offset 9", "1 2 3 4 5 6 7 8 ... (10 parameters, max |w| 10)", "per     3 keys", "kept:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
