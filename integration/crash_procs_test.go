package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	stderr *syncBuffer
	done   chan error
	ended  bool
	err    error // how it ended, when it ended by itself
}

// startProc runs `streamsgd run` with client id id; groups empty runs all.
func startProc(t *testing.T, bin, config string, brokers []string, stateDir, id string, groups ...string) *proc {
	t.Helper()
	var extra []string
	if len(groups) > 0 {
		extra = []string{"--groups", strings.Join(groups, ",")}
	}
	return startRun(t, bin, config, brokers, stateDir, id, extra...)
}

// startRun runs `streamsgd run` with client id id and extra arguments;
// without an --http among them, its HTTP server is off (several instances
// share this machine, and the default address).
func startRun(t *testing.T, bin, config string, brokers []string, stateDir, id string, extra ...string) *proc {
	t.Helper()
	args := []string{"run", "--config", config, "--brokers", strings.Join(brokers, ","),
		"--state-dir", stateDir, "--client-id", id}
	if !slices.Contains(extra, "--http") {
		args = append(args, "--http", "")
	}
	if os.Getenv("STREAMSGD_CRASH_VERBOSE") != "" {
		args = append(args, "--verbose")
	}
	return startCmd(t, bin, id, append(args, extra...)...)
}

// startCmd starts bin with args as the OS process named id; stdout and
// stderr are kept for the failure messages.
func startCmd(t *testing.T, bin, id string, args ...string) *proc {
	t.Helper()
	p, err := spawn(t, bin, id, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// spawn is startCmd for goroutines other than the test's: it returns the
// error instead of ending the test.
func spawn(t *testing.T, bin, id string, args ...string) (*proc, error) {
	p := &proc{t: t, id: id, cmd: exec.Command(bin, args...), stderr: new(syncBuffer), done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	p.cmd.Stdout = p.stderr
	if dir := os.Getenv("STREAMSGD_CRASH_LOGDIR"); dir != "" {
		// Keep every process's output for a post-mortem.
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%s.log", t.Name(), id)))
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = f.Close() })
		p.cmd.Stderr = io.MultiWriter(p.stderr, f)
		p.cmd.Stdout = p.cmd.Stderr
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", id, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(p.kill)
	return p, nil
}

// syncBuffer is a bytes.Buffer that a process's output can be written to
// while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
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

// poll reports whether the process ended, and how, without failing the
// test.
func (p *proc) poll() (ended bool, err error) {
	if p.ended {
		return true, p.err
	}
	select {
	case p.err = <-p.done:
		p.ended = true
		return true, p.err
	default:
		return false, nil
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
// background; the returned func waits until all are written. A test that
// ends early stops the producer (it would retry forever against a broker
// the test has stopped).
func producePaced(t *testing.T, brokers []string, topic string, keys, values [][]byte, d time.Duration) (wait func()) {
	t.Helper()
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		t.Fatal(err)
	}
	const tick = 50 * time.Millisecond
	ticks := max(int(d/tick), 1)
	chunk := (len(values) + ticks - 1) / ticks
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(done)
		defer cl.Close()
		next := time.Now()
		for i := 0; i < len(values) && ctx.Err() == nil; i += chunk {
			time.Sleep(time.Until(next))
			next = next.Add(tick)
			for j := i; j < min(i+chunk, len(values)); j++ {
				cl.Produce(ctx, &kgo.Record{Topic: topic, Key: keys[j], Value: values[j]}, func(_ *kgo.Record, err error) {
					if err != nil && ctx.Err() == nil {
						t.Errorf("produce: %v", err)
					}
				})
			}
		}
		if err := cl.Flush(ctx); err != nil && ctx.Err() == nil {
			t.Errorf("produce: flush: %v", err)
		}
	}()
	wait = func() { <-done }
	t.Cleanup(func() {
		cancel()
		wait()
	})
	return wait
}
