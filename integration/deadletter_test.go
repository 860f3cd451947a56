package integration

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// deadLetterCases are single-row messages, one per kind of bad row, and
// multi-row messages with one bad row among good ones (label in column y).
func deadLetterCases() []message {
	one := func(line, reason string) message {
		return message{rec: &kgo.Record{Value: []byte(line)}, bad: []badRow{{0, line, reason}}}
	}
	return []message{
		one("1,0.5,0.25", "row 0: expected 4 columns, got 3"),
		one("0,0.5,0.25,1,9", "row 0: expected 4 columns, got 5"),
		one("1,abc,0.5,0.1", `row 0: column x0: parse "abc": invalid syntax`),
		one("0,0.5,NaN,0.1", `row 0: column x1: "NaN" is not a finite number`),
		one("1,0.5,0.1,+Inf", `row 0: column x2: "+Inf" is not a finite number`),
		one("0,-Inf,0.1,0.2", `row 0: column x0: "-Inf" is not a finite number`),
		one(",0.5,0.1,0.2", "row 0: missing label: column y is empty"),
		one("yes,0.1,0.2,0.3", `row 0: column y: label parse "yes": invalid syntax`),
		one("NaN,0.1,0.2,0.3", `row 0: column y: label "NaN" is not a finite number`),
		one(`1,"0.5,0.1,0.2`, "unterminated quoted field"),
		{
			rec:  &kgo.Record{Value: []byte("1,0.1,0.2,0.3\n0,-0.1,0.2,0.3\n1,zz,0,0\n0,0.4,0.5,-0.6")},
			good: []int32{0, 1, 3},
			bad:  []badRow{{2, "1,zz,0,0", `row 2: column x0: parse "zz": invalid syntax`}},
		},
		{
			rec:  &kgo.Record{Value: []byte("1,0.1,0.2,0.3\r\n0,0.2\r\n1,0.3,0.2,0.1\r\n0,1,1,Inf\r\n")},
			good: []int32{0, 2},
			bad: []badRow{
				{1, "0,0.2", "row 1: expected 4 columns, got 2"},
				{3, "0,1,1,Inf", `row 3: column x2: "Inf" is not a finite number`},
			},
		},
	}
}

// goodCSV makes single good rows "y,x0,x1,x2" of a logistic ground truth.
func goodCSV(r *rand.Rand, n int) []message {
	out := make([]message, n)
	for i := range out {
		x := [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		y := 0
		if 0.8*x[0]-0.5*x[1]+0.3*x[2]+0.3*r.NormFloat64() > 0 {
			y = 1
		}
		out[i] = message{rec: &kgo.Record{Value: fmt.Appendf(nil, "%d,%g,%g,%g", y, x[0], x[1], x[2])}, good: []int32{0}}
	}
	return out
}

// TestDeadLettersOverTCP feeds a CSV pipeline good rows mixed with bad rows
// of every kind and checks that every good row is predicted exactly once,
// that every bad row has exactly one dead letter with its raw bytes, a
// reason naming the problem and its source coordinates, that the processor
// keeps running, and that the global model counts the bad rows as Invalid.
func TestDeadLettersOverTCP(t *testing.T) {
	const goodSingles = 295 // + 5 good rows in the multi-row messages = 300
	brokers := cluster(t)
	input := inputTopic(t, brokers, "dl-in", 2)
	name := unique("dl")
	p := pipeline(t, brokers, name+".yaml", fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [y, x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: logreg
    task: binary
    metrics: {window: 100, emit_every: 100}
`, name, input))

	r := rand.New(rand.NewPCG(3, 4))
	msgs := goodCSV(r, goodSingles)
	for _, m := range deadLetterCases() {
		i := r.IntN(len(msgs) + 1)
		msgs = slices.Insert(msgs, i, m)
	}
	e := produceMessages(t, brokers, input, msgs)
	if len(e.good) != 300 {
		t.Fatalf("test data: %d good rows, want 300", len(e.good))
	}
	checkRun(t, brokers, p, start(t, p, brokers, name), e)
}
