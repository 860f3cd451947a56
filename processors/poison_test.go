package processors

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TestRouteLearnNeverLoses sends a million rows (50,000 with -short), good
// and bad at random, in messages of 0 to 8 rows, through route and learn
// (their step functions, no broker), and checks the invariant:
// every row is predicted or dead-lettered, exactly once, none is lost and
// no step fails. An empty message, or one with no row, counts as one row.
func TestRouteLearnNeverLoses(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 50_000
	}
	spec := multiclassSpec("soft", 4, 3)
	r := newRoute(t, input.Spec{Columns: []string{"f0", "f1", "f2", "f3", "y"}, Label: input.LabelFromColumn, LabelColumn: "y"}, 4, spec)
	l := &Learn{Specs: map[string]ModelSpec{spec.Name: spec}}
	rng := rand.New(rand.NewPCG(10, 11))
	states := map[string]*table.ModelState{}
	var sent, predicted, dead, labeled int64
	var msg strings.Builder
	for off := int64(0); sent < int64(n); off++ {
		msg.Reset()
		rows := rng.IntN(9)
		switch {
		case rows == 0 && rng.IntN(2) == 0:
			msg.WriteString("\n \n")
		case rows == 0:
		default:
			for range rows {
				good := writeRow(&msg, rng)
				labeled += int64(good)
			}
		}
		sent += int64(max(rows, 1))
		out := r.Step(wire.Source{Topic: "in", Partition: 0, Offset: off}, nil, []byte(msg.String()))
		dead += int64(len(out.Dead))
		for _, b := range out.Batches {
			lo, err := l.Step(states[b.Key], b)
			if err != nil {
				t.Fatalf("offset %d: learn: %v (message %q)", off, err, msg.String())
			}
			if lo.State != nil {
				states[b.Key] = lo.State
			}
			if lo.Predictions != nil {
				predicted += int64(len(lo.Predictions.Predictions))
			}
		}
	}
	st := states[spec.Name]
	t.Logf("sent %d rows: %d predicted, %d dead-lettered, %d learned", sent, predicted, dead, st.Rows)
	if predicted+dead != sent {
		t.Fatalf("predicted %d + dead-lettered %d = %d, sent %d", predicted, dead, predicted+dead, sent)
	}
	if st.Rows != labeled || st.Invalid != dead {
		t.Fatalf("state learned %d rows (want %d) and counted %d invalid (want %d)", st.Rows, labeled, st.Invalid, dead)
	}
}

// writeRow writes one CSV line, good three times in four, else bad in one
// of the ways route must catch; it returns 1 for a good row.
func writeRow(b *strings.Builder, rng *rand.Rand) int {
	f := func() string { return strconv.FormatFloat(rng.NormFloat64(), 'g', 6, 64) }
	good := rng.IntN(4) != 0
	if good {
		fmt.Fprintf(b, "%s,%s,%s,%s,%d\n", f(), f(), f(), f(), rng.IntN(3))
		return 1
	}
	switch rng.IntN(7) {
	case 0:
		fmt.Fprintf(b, "%s,%s,%s,%s,7\n", f(), f(), f(), f()) // class out of range
	case 1:
		fmt.Fprintf(b, "%s,%s,%s,%s,-1\n", f(), f(), f(), f())
	case 2:
		fmt.Fprintf(b, "%s,%s,%s,%s,1.5\n", f(), f(), f(), f()) // not a class index
	case 3:
		fmt.Fprintf(b, "%s,abc,%s,%s,1\n", f(), f(), f()) // not a number
	case 4:
		fmt.Fprintf(b, "%s,%s\n", f(), f()) // wrong width
	case 5:
		fmt.Fprintf(b, "%s,NaN,%s,%s,0\n", f(), f(), f())
	default:
		fmt.Fprintf(b, "%s,%s,%s,%s,\n", f(), f(), f(), f()) // missing label
	}
	return 0
}
