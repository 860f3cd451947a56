package operations

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/runstats"
)

// PollLag measures the consumer lag of groups every interval until ctx is
// done, recording each measure in stats (runstats.Run.SetLag): per input
// partition, its end offset less the group's committed offset (kadm's
// Lag). A failed measure is recorded (runstats.Run.SetLagError); the last
// good one stays.
func PollLag(ctx context.Context, brokers []string, opts []kgo.Opt, groups []string, every time.Duration, stats *runstats.Run) error {
	cl, err := kafkaclient.New(brokers, opts...)
	if err != nil {
		return fmt.Errorf("operations: lag: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		switch l, err := MeasureLag(ctx, adm, groups); {
		case err == nil:
			stats.SetLag(l)
		case ctx.Err() == nil:
			stats.SetLagError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// MeasureLag measures the consumer lag of groups once. It leaves groups
// as they are: kadm's Lag reorders the slice it is given in place, so it
// gets a copy (the caller's may be read meanwhile by others, as a run's
// progress lines and HTTP server read theirs).
func MeasureLag(ctx context.Context, adm *kadm.Client, groups []string) (*runstats.Lag, error) {
	lags, err := adm.Lag(ctx, slices.Clone(groups)...)
	if err != nil {
		return nil, fmt.Errorf("operations: lag of %v: %w", groups, err)
	}
	out := &runstats.Lag{Time: time.Now(), ByGroup: map[string][]runstats.PartitionLag{}}
	for _, g := range groups {
		dl, ok := lags[g]
		if !ok || dl.Error() != nil {
			continue
		}
		ps := []runstats.PartitionLag{}
		for topic, parts := range dl.Lag {
			for p, l := range parts {
				n := l.Lag
				if n < 0 { // no commit or no end offset yet: all of it
					n = max(0, l.End.Offset-l.Start.Offset)
				}
				ps = append(ps, runstats.PartitionLag{Topic: topic, Partition: p, Lag: n, Committed: l.Commit.At, End: l.End.Offset})
			}
		}
		sort.Slice(ps, func(i, j int) bool {
			if ps[i].Topic != ps[j].Topic {
				return ps[i].Topic < ps[j].Topic
			}
			return ps[i].Partition < ps[j].Partition
		})
		out.ByGroup[g] = ps
	}
	return out, nil
}
