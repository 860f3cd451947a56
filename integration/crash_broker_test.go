package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashBrokerRestart stops the embedded broker, run as its own OS
// process with a data directory (`streamsgd broker --data-dir`), with
// SIGTERM while two `streamsgd run` instances process a stream, and starts
// it again on the same port. The instances are not stopped by the test and
// must heal by themselves (operations.Run restarts its groups): none may
// exit. Every row must then have a prediction and the models must equal,
// bit for bit, those of a reference run on the same input after the last
// restart.
func TestCrashBrokerRestart(t *testing.T) {
	crashBroker(t, 20000, 4, syscall.SIGTERM, 0)
}

// TestHealBrokerDown: the broker is down for 30 s once, mid-stream; the
// instances wait, resume by themselves when it is back, and lose and
// double nothing.
func TestHealBrokerDown(t *testing.T) {
	crashBroker(t, 20000, 1, syscall.SIGTERM, 30*time.Second)
}

// TestCrashBrokerRestartLong: 10 clean broker restarts during 200,000 rows.
// STREAMSGD_CRASH_LONG=1.
func TestCrashBrokerRestartLong(t *testing.T) {
	longOnly(t)
	crashBroker(t, 200000, 10, syscall.SIGTERM, 0)
}

// TestCrashBrokerKill9 kills the embedded broker with SIGKILL instead.
// kfake's data directory keeps the records and the committed offsets across
// a kill, but two things it saves only on a clean stop are lost, and with
// them exactly-once model state:
//   - the consumer groups' members: the restarted broker hands an
//     instance's partitions to another while the first is still stopping;
//   - the idempotent producers' sequence windows: a batch retried across the
//     kill can land after a later batch of the same producer and partition,
//     and the learner's watermark, already past it, skips its rows.
//
// Apache Kafka keeps both in its logs; TestKafkaBrokerKill9 checks it.
//
// So this test checks what still holds: every row is predicted, and no model
// learns a row twice (never more rows than the reference); it logs the rows
// lost and, through explainLoss, which of the two happened.
func TestCrashBrokerKill9(t *testing.T) {
	crashBroker(t, 20000, 4, syscall.SIGKILL, 0)
}

// TestCrashBrokerKill9Long: 10 broker kills during 200,000 rows.
// STREAMSGD_CRASH_LONG=1.
func TestCrashBrokerKill9Long(t *testing.T) {
	longOnly(t)
	crashBroker(t, 200000, 10, syscall.SIGKILL, 0)
}

// brokerRoundTime is about how long a broker restart round takes.
const brokerRoundTime = 4 * time.Second

// crashBroker restarts the broker restarts times with sig while rows
// arrive, each time down for down (0: a random time under a second).
func crashBroker(t *testing.T, rows, restarts int, sig syscall.Signal, down time.Duration) {
	if os.Getenv("STREAMSGD_BROKERS") != "" {
		t.Skip("STREAMSGD_BROKERS is set: the test cannot restart an external broker")
	}
	began := time.Now()
	bin := buildCLI(t)
	b := startBroker(t, bin)
	brokers := b.addrs()
	adm := admin(t, brokers)
	rng := rand.New(rand.NewPCG(killSeed(t), 2))
	input := inputTopic(t, brokers, "restart-sensors", crashPartitions)
	keys, values := sensorCSV(rows, crashSensors, crashSeed)

	name := unique("restart")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "restart.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	watch := watchTable(t, brokers, p)
	sv := supervise(t, bin, config, brokers, "restart-a", "restart-b")
	produced := producePaced(t, brokers, input, keys, values, time.Duration(restarts)*(brokerRoundTime+down))
	watched := string(p.Topics.Predictions)
	for r := 0; r < restarts; r++ {
		from := endOffsets(t, adm, watched)
		// At most 10 s: once the input is all written, the pipeline catches
		// up and its output stops growing.
		grew := waitGrowth(t, adm, watched, from, 10*time.Second)
		time.Sleep(200*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond))))
		down := down
		if down == 0 {
			down = time.Duration(rng.Int64N(int64(time.Second)))
		}
		at := endOffsets(t, adm, watched)
		b.restart(sig, down)
		t.Logf("restart %d: broker %v, down %v (+ start-up); predictions %d -> %d before it (grew %v)",
			r, sig, down.Round(time.Millisecond), from, at, grew)
	}
	produced()
	// The producer is idempotent, but kfake keeps its sequence windows only
	// across a clean stop: after a kill, a batch it wrote and then retried
	// may be written twice. Such copies are rows of their own (other
	// offsets), for the pipeline and the reference alike.
	if n := len(inputIDs(t, brokers, input)); n < rows {
		t.Fatalf("input topic holds %d records, want at least %d", n, rows)
	} else if n > rows {
		t.Logf("input topic holds %d records: %d written twice by producer retries across a broker kill", n, n-rows)
	}
	t.Logf("%d broker restarts done after %v", restarts, time.Since(began).Round(time.Millisecond))
	if n := sv.restarts(); n > 0 {
		t.Errorf("instances exited by themselves %d times: run must heal without a supervisor", n)
	}
	sv.logHealing()

	// The reference starts after the last restart, on the same input.
	ref := startReference(t, brokers, input)
	repeated := verify(t, brokers, p, input, ref, watch, sig != syscall.SIGKILL, sv.stop)
	t.Logf("rows %d, broker restarts %d (%v), repeated predictions %d, took %v",
		rows, restarts, sig, repeated, time.Since(began).Round(time.Millisecond))
}

// supervisor runs `streamsgd run` instances, each with its own state
// directory, and starts again (as a service manager would) any that exits
// by itself. Since run heals itself none should: the tests count the
// restarts as failures, and the supervisor keeps such a failure from
// hiding the rest of the test's checks.
type supervisor struct {
	t         *testing.T
	bin       string
	config    string
	brokers   []string
	ids, dirs []string
	quit      chan struct{}
	done      chan struct{}

	mu        sync.Mutex
	procs     []*proc
	started   []time.Time
	restarted int
}

// restartBackoff is the least time between two starts of one instance (a
// service manager's restart delay): an instance started while the broker
// is down exits at once.
const restartBackoff = time.Second

// supervise starts one instance per id, and a goroutine that restarts them
// until stop.
func supervise(t *testing.T, bin, config string, brokers []string, ids ...string) *supervisor {
	t.Helper()
	s := &supervisor{t: t, bin: bin, config: config, brokers: brokers, ids: ids,
		quit: make(chan struct{}), done: make(chan struct{})}
	for _, id := range ids {
		dir := t.TempDir()
		s.dirs = append(s.dirs, dir)
		s.procs = append(s.procs, startRun(t, bin, config, brokers, dir, id))
		s.started = append(s.started, time.Now())
	}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-tick.C:
				s.check()
			}
		}
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// check restarts the instances that exited.
func (s *supervisor) check() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, p := range s.procs {
		ended, err := p.poll()
		if !ended || time.Since(s.started[i]) < restartBackoff {
			continue
		}
		s.restarted++
		s.t.Logf("%s exited by itself (%v): %s", p.id, err, lastLines(p.stderr.String(), 4))
		id := fmt.Sprintf("%s-%d", s.ids[i], s.restarted)
		args := []string{"run", "--config", s.config, "--brokers", strings.Join(s.brokers, ","),
			"--state-dir", s.dirs[i], "--client-id", id, "--http", ""}
		if os.Getenv("STREAMSGD_CRASH_VERBOSE") != "" {
			args = append(args, "--verbose")
		}
		np, serr := spawn(s.t, s.bin, id, args...)
		if serr != nil {
			s.t.Errorf("restart %s: %v", p.id, serr)
			continue
		}
		s.procs[i], s.started[i] = np, time.Now()
	}
}

// stop ends the supervision and stops the instances (SIGTERM). An instance
// may exit by itself meanwhile, or with an error on the signal, when its
// groups have just failed after a broker restart: that is logged, not
// failed. stop returns nil, the processes left to stop (for verify).
func (s *supervisor) stop() []*proc {
	select {
	case <-s.quit:
		return nil
	default:
		close(s.quit)
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if ended, err := p.poll(); ended {
			s.t.Logf("%s had exited by itself (%v): %s", p.id, err, lastLines(p.stderr.String(), 4))
			continue
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.done:
			p.ended = true
			if err != nil {
				s.t.Logf("%s stopped: %v: %s", p.id, err, lastLines(p.stderr.String(), 4))
			}
		case <-time.After(60 * time.Second):
			s.t.Errorf("%s did not stop within 60s; killing it\n%s", p.id, p.stderr)
			p.kill()
		}
	}
	return nil
}

// logHealing logs how often each instance restarted its groups
// in-process, with its last such line.
func (s *supervisor) logHealing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		var lines []string
		for _, l := range strings.Split(p.stderr.String(), "\n") {
			if strings.Contains(l, "restarting in") {
				lines = append(lines, l)
			}
		}
		last := ""
		if len(lines) > 0 {
			last = lines[len(lines)-1]
		}
		s.t.Logf("%s healed itself %d times; last: %s", p.id, len(lines), last)
	}
}

// restarts is how many instances were started again.
func (s *supervisor) restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarted
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// brokerProc is `streamsgd broker --data-dir` as an OS process on a fixed
// port, so that it can be stopped and started again at the same address.
type brokerProc struct {
	t        *testing.T
	bin, dir string
	port     int
	p        *proc
	starts   int
}

func startBroker(t *testing.T, bin string) *brokerProc {
	t.Helper()
	b := &brokerProc{t: t, bin: bin, dir: t.TempDir(), port: freePort(t)}
	b.start()
	return b
}

func (b *brokerProc) addrs() []string { return []string{fmt.Sprintf("127.0.0.1:%d", b.port)} }

// start starts the broker and waits until it answers requests.
func (b *brokerProc) start() {
	t := b.t
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		b.starts++
		b.p = startCmd(t, b.bin, fmt.Sprintf("broker-%d", b.starts),
			"broker", "--port", strconv.Itoa(b.port), "--data-dir", b.dir)
		for time.Now().Before(deadline) {
			select {
			case err := <-b.p.done:
				b.p.ended = true
				if !strings.Contains(b.p.stderr.String(), "address already in use") {
					t.Fatalf("broker exited at start: %v\n%s", err, b.p.stderr)
				}
			default:
				if b.ping() {
					return
				}
			}
			if b.p.ended {
				break // the port is not free yet: start again
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatalf("the broker did not start within 60s\n%s", b.p.stderr)
}

// ping reports whether the broker answers a metadata request.
func (b *brokerProc) ping() bool {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addrs()...))
	if err != nil {
		b.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return cl.Ping(ctx) == nil
}

// restart stops the broker with sig (SIGKILL, or SIGTERM: a clean stop),
// leaves it down for down, and starts it again on the same port and data
// directory.
func (b *brokerProc) restart(sig syscall.Signal, down time.Duration) {
	b.t.Helper()
	if sig == syscall.SIGKILL {
		b.p.kill()
	} else {
		b.p.stop()
	}
	time.Sleep(down)
	b.start()
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
