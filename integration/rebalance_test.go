package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// TestRebalanceJoinLeave runs `streamsgd run` instances that join and leave
// mid-stream, gracefully (SIGTERM; none is killed): a alone, then b and c
// join, a and b leave, a joins again with its old local state. Every row
// must have a prediction and the models must equal, bit for bit, those of a
// reference that ran alone on the same input. A graceful rebalance commits
// what was processed before the partitions move, so no row is predicted
// twice either.
func TestRebalanceJoinLeave(t *testing.T) {
	const rows = 30000
	began := time.Now()
	brokers := cluster(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	rng := rand.New(rand.NewPCG(killSeed(t), 3))
	input := inputTopic(t, brokers, "rebalance-sensors", crashPartitions)
	keys, values := sensorCSV(rows, crashSensors, crashSeed)
	ref := startReference(t, brokers, input)

	name := unique("rebalance")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "rebalance.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	watch := watchTable(t, brokers, p)
	dirs := map[string]string{"a": t.TempDir(), "b": t.TempDir(), "c": t.TempDir()}
	running := map[string]*proc{}
	join := func(id string) {
		running[id] = startRun(t, bin, config, brokers, dirs[id], fmt.Sprintf("rebalance-%s-%d", id, len(running)))
	}
	leave := func(id string) {
		running[id].stop()
		delete(running, id)
	}
	steps := []struct {
		what string
		do   func()
	}{
		{"a starts", func() { join("a") }},
		{"b joins", func() { join("b") }},
		{"c joins", func() { join("c") }},
		{"a leaves", func() { leave("a") }},
		{"b leaves", func() { leave("b") }},
		{"a joins again", func() { join("a") }},
	}
	// Each step waits for the groups to settle and for output, so that
	// the next one meets rows in flight.
	// A step takes about 8 s (goka pauses 5 s after every rebalance).
	produced := producePaced(t, brokers, input, keys, values, time.Duration(len(steps))*8*time.Second)
	watched := string(p.Topics.Predictions)
	for i, s := range steps {
		s.do()
		settled := waitSettled(t, adm, string(p.Topics.LearnGroup), len(running), 30*time.Second)
		from := endOffsets(t, adm, watched)
		grew := waitGrowth(t, adm, watched, from, 10*time.Second, procs(running)...)
		time.Sleep(time.Duration(rng.Int64N(int64(time.Second))))
		t.Logf("step %d: %s; learn group %s; predictions %d -> %d (grew %v)", i, s.what,
			settled, from, endOffsets(t, adm, watched), grew)
	}
	produced()
	repeated := verifyRun(t, brokers, p, input, ref, watch, procs(running)...)
	if repeated != 0 {
		t.Errorf("%d rows predicted twice across graceful rebalances", repeated)
	}
	t.Logf("rows %d, %d joins and leaves, took %v", rows, len(steps)-1, time.Since(began).Round(time.Millisecond))
}

func procs(m map[string]*proc) []*proc {
	var out []*proc
	for _, p := range m {
		out = append(out, p)
	}
	return out
}

// waitSettled waits until group is Stable with members members, each with
// partitions assigned, and returns a description of the assignment.
func waitSettled(t *testing.T, adm *kadm.Client, group string, members int, deadline time.Duration) string {
	t.Helper()
	end := time.Now().Add(deadline)
	last := ""
	for time.Now().Before(end) {
		as, state := assignment(t, adm, group)
		last = fmt.Sprintf("%s %v", state, as)
		if state == "Stable" && len(as) == members {
			ok := true
			for _, parts := range as {
				ok = ok && len(parts) > 0
			}
			if ok {
				return last
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("group %s did not settle with %d members within %v: %s", group, members, deadline, last)
	return last
}

// assignment returns the partitions assigned to each member of group, by
// client id, and the group's state.
func assignment(t *testing.T, adm *kadm.Client, group string) (map[string][]int32, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		t.Fatalf("describe group %s: %v", group, err)
	}
	g, ok := described[group]
	if !ok {
		return nil, "missing"
	}
	out := map[string][]int32{}
	for _, m := range g.Members {
		// goka copartitions a group's topics: the same partitions of each.
		set := map[int32]bool{}
		if c, ok := m.Assigned.AsConsumer(); ok {
			for _, tp := range c.Topics {
				for _, p := range tp.Partitions {
					set[p] = true
				}
			}
		}
		parts := make([]int32, 0, len(set))
		for p := range set {
			parts = append(parts, p)
		}
		slices.Sort(parts)
		out[m.ClientID] = parts
	}
	return out, g.State
}
