package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/topology"
)

// crasher runs and kills the processes of a pipeline.
type crasher struct {
	t        *testing.T
	bin      string
	config   string
	brokers  []string
	adm      *kadm.Client
	p        *topology.Pipeline
	stateDir string
	rng      *rand.Rand
}

// round k starts the pipeline's processes and kills one with SIGKILL at a
// random moment: 0.3–2 s after its output grew (even rounds) or after it
// started (odd rounds, often during start-up or restore). wipe deletes the
// local state first; routeOnly runs route and learn as two processes and
// kills route only.
func (c *crasher) round(k int, wipe, routeOnly bool) {
	t := c.t
	t.Helper()
	if wipe {
		if err := os.RemoveAll(c.stateDir); err != nil {
			t.Fatal(err)
		}
	}
	id := fmt.Sprintf("victim-%d", k)
	route, learn := string(c.p.Topics.RouteGroup), string(c.p.Topics.LearnGroup)
	var others []*proc
	watched, groups := string(c.p.Topics.Predictions), []string{route, learn}
	if routeOnly {
		others = append(others, startProc(t, c.bin, c.config, c.brokers, c.stateDir, id+"-learn", learn))
		watched, groups = string(c.p.Topics.Examples), []string{route}
	}
	victim := startProc(t, c.bin, c.config, c.brokers, c.stateDir, id, groups...)
	all := append([]*proc{victim}, others...)
	started := time.Now()
	from := endOffsets(t, c.adm, watched)
	delay := 300*time.Millisecond + time.Duration(c.rng.Int64N(int64(1700*time.Millisecond)))
	if k%2 == 0 && !waitGrowth(t, c.adm, watched, from, 10*time.Second, all...) {
		// Caught up (the input is all written) or stuck: kill it anyway.
		t.Logf("round %d: %s did not grow within 10s", k, watched)
		c.logOffsets()
	}
	waited := time.Since(started)
	time.Sleep(delay)
	for _, p := range all {
		if p.exited() {
			t.FailNow()
		}
	}
	victim.kill()
	evict(t, c.brokers, id, groups...)
	for _, p := range others {
		p.stop()
	}
	t.Logf("round %d (wipe %v, route only %v): killed %v after start (%v wait for output + %v), %s %d -> %d",
		k, wipe, routeOnly, time.Since(started).Round(time.Millisecond), waited.Round(time.Millisecond),
		delay.Round(time.Millisecond), watched, from, endOffsets(t, c.adm, watched))
}

// logOffsets logs the committed offsets of the pipeline's groups beside the
// end offsets of the topics they consume.
func (c *crasher) logOffsets() {
	c.t.Helper()
	logOffsets(c.t, c.adm, c.p)
}

// logOffsets logs the committed offsets of p's groups beside the end
// offsets of the topics they consume.
func logOffsets(t *testing.T, adm *kadm.Client, p *topology.Pipeline) {
	t.Helper()
	ctx := t.Context()
	for _, g := range []string{string(p.Topics.RouteGroup), string(p.Topics.LearnGroup)} {
		resp, err := adm.FetchOffsets(ctx, g)
		if err != nil {
			t.Logf("fetch offsets %s: %v", g, err)
			continue
		}
		resp.Each(func(o kadm.OffsetResponse) {
			t.Logf("group %s: %s/%d committed %d", g, o.Topic, o.Partition, o.At)
		})
	}
	groups := []string{string(p.Topics.RouteGroup), string(p.Topics.LearnGroup)}
	if described, err := adm.DescribeGroups(ctx, groups...); err != nil {
		t.Logf("describe groups: %v", err)
	} else {
		for _, g := range described.Sorted() {
			t.Logf("group %s: state %s, %d members", g.Group, g.State, len(g.Members))
			for _, m := range g.Members {
				var assigned []string
				if c, ok := m.Assigned.AsConsumer(); ok {
					for _, tp := range c.Topics {
						assigned = append(assigned, fmt.Sprintf("%s%v", tp.Topic, tp.Partitions))
					}
				}
				t.Logf("group %s: member %s (%s, %s) assigned %v", g.Group, m.MemberID, m.ClientID, m.ClientHost, assigned)
			}
		}
	}
	for _, topic := range slices.Concat(p.Config.Input.Topics, []string{string(p.Topics.Examples), string(p.Topics.Predictions)}) {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			t.Logf("end offsets %s: %v", topic, err)
			continue
		}
		ends.Each(func(o kadm.ListedOffset) { t.Logf("topic %s/%d: end %d", o.Topic, o.Partition, o.Offset) })
	}
}
