package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/streamsgd/streamsgd/produce"
)

// buildCLI builds the streamsgd command into a temporary folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "streamsgd")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/streamsgd/streamsgd/cmd/streamsgd")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build streamsgd: %v\n%s", err, out)
	}
	return bin
}

// proc is one `streamsgd run` OS process.
type proc struct {
	t      *testing.T
	id     string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
	ended  bool
}

// startProc runs `streamsgd run` with client id id; groups empty runs all.
func startProc(t *testing.T, bin, config string, brokers []string, stateDir, id string, groups ...string) *proc {
	t.Helper()
	args := []string{"run", "--config", config, "--brokers", strings.Join(brokers, ","),
		"--state-dir", stateDir, "--client-id", id}
	if os.Getenv("STREAMSGD_CRASH_VERBOSE") != "" {
		args = append(args, "--verbose")
	}
	if len(groups) > 0 {
		args = append(args, "--groups", strings.Join(groups, ","))
	}
	p := &proc{t: t, id: id, cmd: exec.Command(bin, args...), stderr: new(bytes.Buffer), done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	p.cmd.Stdout = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", id, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL and waits for the process to go.
func (p *proc) kill() {
	if p.ended {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.ended = true
}

// stop sends SIGTERM and waits; an exit status other than 0 fails the test.
func (p *proc) stop() {
	p.t.Helper()
	if p.ended {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.ended = true
		if err != nil {
			p.t.Errorf("%s: %v\n%s", p.id, err, p.stderr)
		}
	case <-time.After(60 * time.Second):
		p.t.Errorf("%s did not stop within 60s; killing it\n%s", p.id, p.stderr)
		p.kill()
	}
}

// exited reports whether the process ended by itself.
func (p *proc) exited() bool {
	if p.ended {
		return true
	}
	select {
	case err := <-p.done:
		p.ended = true
		p.t.Errorf("%s exited by itself: %v\n%s", p.id, err, p.stderr)
		return true
	default:
		return false
	}
}

// evict removes the members of the groups whose client id is clientID, as
// the broker does when their session times out, without waiting for it.
func evict(t *testing.T, brokers []string, clientID string, groups ...string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	described, err := adm.DescribeGroups(ctx, groups...)
	if err != nil {
		t.Fatalf("describe groups: %v", err)
	}
	for _, g := range described.Sorted() {
		req := kmsg.NewPtrLeaveGroupRequest()
		req.Group = g.Group
		for _, m := range g.Members {
			if m.ClientID == clientID {
				lm := kmsg.NewLeaveGroupRequestMember()
				lm.MemberID = m.MemberID
				req.Members = append(req.Members, lm)
			}
		}
		if len(req.Members) == 0 {
			t.Logf("group %s (%s): no member of %s to evict", g.Group, g.State, clientID)
			continue
		}
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("leave group %s: %v", g.Group, err)
		}
		if resp.ErrorCode != 0 {
			t.Logf("leave group %s: error code %d", g.Group, resp.ErrorCode)
		}
	}
}

// endOffsets is the sum of the end offsets of topic's partitions.
func endOffsets(t *testing.T, adm *kadm.Client, topic string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return n
}

// waitGrowth waits until topic's end offsets exceed from, the processes
// exit, or the deadline passes; it reports whether the topic grew.
func waitGrowth(t *testing.T, adm *kadm.Client, topic string, from int64, deadline time.Duration, ps ...*proc) bool {
	t.Helper()
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		for _, p := range ps {
			if p.exited() {
				t.FailNow()
			}
		}
		if endOffsets(t, adm, topic) > from {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// writeFile writes data to a new file in a temporary folder.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dump makes the process print its goroutines (SIGQUIT) and waits for it.
func (p *proc) dump() {
	if p.ended {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
		p.ended = true
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// producePaced writes the records in order, spread evenly over d, in the
// background; the returned func waits until all are written.
func producePaced(t *testing.T, brokers []string, topic string, keys, values [][]byte, d time.Duration) (wait func()) {
	t.Helper()
	cl, err := produce.NewClient(brokers)
	if err != nil {
		t.Fatal(err)
	}
	const tick = 50 * time.Millisecond
	ticks := max(int(d/tick), 1)
	chunk := (len(values) + ticks - 1) / ticks
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cl.Close()
		ctx := context.Background()
		next := time.Now()
		for i := 0; i < len(values); i += chunk {
			time.Sleep(time.Until(next))
			next = next.Add(tick)
			for j := i; j < min(i+chunk, len(values)); j++ {
				cl.Produce(ctx, &kgo.Record{Topic: topic, Key: keys[j], Value: values[j]}, func(_ *kgo.Record, err error) {
					if err != nil {
						t.Errorf("produce: %v", err)
					}
				})
			}
		}
		if err := cl.Flush(ctx); err != nil {
			t.Errorf("produce: flush: %v", err)
		}
	}()
	wait = func() { <-done }
	t.Cleanup(wait)
	return wait
}
