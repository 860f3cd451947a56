package processors

import (
	"context"
	"sync"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// jsonOutputCodecs are the codecs of JSON predictions and metric snapshots.
func jsonOutputCodecs(t *testing.T) (predictions, snapshots goka.Codec) {
	t.Helper()
	p, err := wire.PredictionCodec("json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.MetricSnapshotCodec("json")
	if err != nil {
		t.Fatal(err)
	}
	return p, m
}

// runOnTester runs a processor of each group on goka's tester tt until
// the test (or subtest) ends.
func runOnTester(t *testing.T, tt *tester.Tester, graphs ...*goka.GroupGraph) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	for _, g := range graphs {
		proc, err := goka.NewProcessor(nil, g, goka.WithTester(tt))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = proc.Run(ctx)
		}()
	}
}
