package operations

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/kafkaclient"
)

// TestMeasureLagKeepsGroups: MeasureLag leaves the caller's slice of
// groups as it was. kadm's Lag rewrites the slice it is given in map
// order; passed a run's own, it shuffled the order of the progress lines
// and raced with every other reader of the slice.
func TestMeasureLagKeepsGroups(t *testing.T) {
	b, err := broker.Start(broker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cl, err := kafkaclient.NewClient(b.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var groups []string
	for i := range 8 {
		groups = append(groups, fmt.Sprintf("p-%d", i))
	}
	want := slices.Clone(groups)
	for range 5 {
		l, err := MeasureLag(context.Background(), adm, groups)
		if err != nil {
			t.Fatal(err)
		}
		if l == nil {
			t.Fatal("no lag measured")
		}
		if !slices.Equal(groups, want) {
			t.Fatalf("groups after MeasureLag = %v, want %v", groups, want)
		}
	}
}
