package susy_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/datasets/susy"
)

func Example() {
	g := susy.New(1)
	var x [susy.Features]float64
	label, p := g.Next(x[:])
	fmt.Println(len(x), label == 0 || label == 1, p > 0 && p < 1)
	// Output: 18 true true
}

func ExampleGenerator_AppendCSV() {
	g := susy.New(1)
	line, label := g.AppendCSV(nil)
	// A producer sends key = label, value = line, as in the SUSY tutorial.
	fmt.Printf("key=%d value=%s\n", label, line)
	// Output: key=1 value=0.556285,-0.164164,-0.597936,0.970164,-0.347794,2.298113,1.869615,-1.072061,0.661949,-1.347921,0.479263,0.266928,0.604959,0.300648,1.060291,0.42016,1.597722,-0.053679
}
