package integration

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/topology"
)

// TestSoak is `make soak`: two `streamsgd run` instances process a steady
// stream for STREAMSGD_SOAK_MINUTES (SOAK_MINUTES in make, default 10)
// against the embedded broker in its own process. It first measures the
// pipeline's maximum throughput on a backlog, then feeds 80% of it: sensor
// rows of 40 per-entity models and a global one, one row in 997 a bad row.
// Every STREAMSGD_SOAK_REBALANCE (default 2m) one instance is stopped with
// SIGTERM and started again, alternately. It prints each instance's RSS at
// the start and at the end, the consumer lag when the input stops, and the
// rows lost: it fails unless every row sent is predicted by every model or
// dead-lettered, and unless no instance's resident memory passed
// STREAMSGD_SOAK_RSS_MIB (default 256). STREAMSGD_SOAK_RATE fixes the rate
// in rows/s instead of measuring it, STREAMSGD_SOAK_INSTANCES the number of
// instances (default 2).
func TestSoak(t *testing.T) {
	s := soakSettingsFromEnv(t)
	if os.Getenv("STREAMSGD_BROKERS") != "" {
		t.Skip("the soak runs its own broker process")
	}
	bin := buildCLI(t)
	b := startBroker(t, bin)
	brokers := b.addrs()
	rate := s.rate
	if rate == 0 {
		max := measureMax(t, bin, brokers, s)
		if max <= 0 {
			t.Fatal("the maximum throughput could not be measured")
		}
		rate = s.share * max
		t.Logf("maximum throughput %.0f rows/s; the soak feeds %.0f%% of it: %.0f rows/s", max, 100*s.share, rate)
	}
	soak(t, bin, brokers, s, rate)
}

// soakSettings are the soak's knobs, from the environment.
type soakSettings struct {
	duration  time.Duration // of the stream
	rate      float64       // rows/s; 0: share of the measured maximum
	share     float64
	rebalance time.Duration // between two restarts of an instance; 0: none
	rssLimit  int64         // bytes, per instance
	instances int           // running the pipeline
	maxRows   int64         // rows of the backlog that measures the maximum
}

func soakSettingsFromEnv(t *testing.T) soakSettings {
	t.Helper()
	env := os.Getenv("STREAMSGD_SOAK_MINUTES")
	if env == "" {
		t.Skip("minutes long: set STREAMSGD_SOAK_MINUTES (make soak)")
	}
	s := soakSettings{instances: 2, share: 0.8, rebalance: 2 * time.Minute, rssLimit: 256 << 20, maxRows: 1_000_000}
	minutes, err := strconv.ParseFloat(env, 64)
	if err != nil || minutes <= 0 {
		t.Fatalf("STREAMSGD_SOAK_MINUTES=%q: want a positive number of minutes", env)
	}
	s.duration = time.Duration(minutes * float64(time.Minute))
	if env := os.Getenv("STREAMSGD_SOAK_RATE"); env != "" {
		if s.rate, err = strconv.ParseFloat(env, 64); err != nil || s.rate <= 0 {
			t.Fatalf("STREAMSGD_SOAK_RATE=%q: want rows/s > 0", env)
		}
	}
	if env := os.Getenv("STREAMSGD_SOAK_REBALANCE"); env != "" {
		if s.rebalance, err = time.ParseDuration(env); err != nil || s.rebalance < 0 {
			t.Fatalf("STREAMSGD_SOAK_REBALANCE=%q: want a duration (0: no restarts)", env)
		}
	}
	if env := os.Getenv("STREAMSGD_SOAK_INSTANCES"); env != "" {
		if s.instances, err = strconv.Atoi(env); err != nil || s.instances < 1 || s.instances > 26 {
			t.Fatalf("STREAMSGD_SOAK_INSTANCES=%q: want 1 to 26", env)
		}
	}
	if env := os.Getenv("STREAMSGD_SOAK_RSS_MIB"); env != "" {
		n, err := strconv.ParseInt(env, 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("STREAMSGD_SOAK_RSS_MIB=%q: want MiB > 0", env)
		}
		s.rssLimit = n << 20
	}
	return s
}

// soakPipeline creates an input topic and the sensor pipeline over it,
// whose stream topics keep records for a few minutes only, so that the
// broker's disk holds minutes of a long soak, not all of it.
func soakPipeline(t *testing.T, brokers []string, name string) (p *topology.Pipeline, input, config string) {
	t.Helper()
	input = inputTopic(t, brokers, name+"-sensors", crashPartitions)
	yaml := sensorYAML(unique(name), input, crashPartitions)
	config = writeFile(t, name+".yaml", []byte(yaml))
	p = pipeline(t, brokers, config, yaml)
	retention := "300000"
	var alter []kadm.AlterConfig
	alter = append(alter, kadm.AlterConfig{Name: "retention.ms", Value: &retention})
	topics := []string{input, string(p.Topics.Examples), string(p.Topics.Predictions), string(p.Topics.Metrics), string(p.Topics.DeadLetter)}
	resp, err := admin(t, brokers).AlterTopicConfigs(context.Background(), alter, topics...)
	if err == nil {
		for _, r := range resp {
			if r.Err != nil {
				err = fmt.Errorf("%s: %w", r.Name, r.Err)
			}
		}
	}
	if err != nil {
		t.Fatalf("set retention: %v", err)
	}
	return p, input, config
}

// measureMax runs two instances on a backlog of s.maxRows rows written as
// fast as the client can, and returns the rows/s predicted.
func measureMax(t *testing.T, bin string, brokers []string, s soakSettings) float64 {
	t.Helper()
	p, input, config := soakPipeline(t, brokers, "soakmax")
	adm := admin(t, brokers)
	a := startRun(t, bin, config, brokers, t.TempDir(), "soakmax-a")
	b := startRun(t, bin, config, brokers, t.TempDir(), "soakmax-b")
	// Rebalances pause the groups: the instances join before the rows come.
	waitSettled(t, adm, string(p.Topics.RouteGroup), 2, time.Minute)
	waitSettled(t, adm, string(p.Topics.LearnGroup), 2, time.Minute)
	cov := watchCoverage(t, brokers, p, input)
	began := time.Now()
	sent := soakRows(t, brokers, input, 0, s.maxRows, 1)()
	lost, _ := cov.await(t, inputEnds(t, adm, input), 5*time.Minute)
	rate := cov.rate()
	t.Logf("maximum: %d rows (written in %v) predicted at %.0f rows/s; rows lost %v; RSS %s",
		sent, time.Since(began).Round(time.Millisecond), rate, lost, rssNote(a, b))
	a.stop()
	b.stop()
	return rate
}

// soak runs the stream at rate with two instances that are restarted in
// turn, and checks what the test's doc says.
func soak(t *testing.T, bin string, brokers []string, s soakSettings, rate float64) {
	p, input, config := soakPipeline(t, brokers, "soak")
	adm := admin(t, brokers)
	cov := watchCoverage(t, brokers, p, input)
	var slots []*soakSlot
	for i := range s.instances {
		slots = append(slots, &soakSlot{t: t, name: string(rune('a' + i)), bin: bin, config: config, brokers: brokers, dir: t.TempDir()})
	}
	for _, sl := range slots {
		sl.start()
	}
	stopSampling := sampleMemory(t, slots)
	stopRows := soakRows(t, brokers, input, rate, 0, 2)
	began := time.Now()
	t.Logf("soak: %.0f rows/s for %v, an instance restarted every %v", rate, s.duration, s.rebalance)
	for _, ev := range soakEvents(s) {
		time.Sleep(time.Until(began.Add(ev.at)))
		if ev.restart < 0 {
			for _, sl := range slots {
				sl.markStart()
			}
			continue
		}
		sl := slots[ev.restart%len(slots)]
		sl.restart()
		t.Logf("%v: instance %s stopped (SIGTERM) and started again", time.Since(began).Round(time.Second), sl.name)
	}
	time.Sleep(time.Until(began.Add(s.duration)))
	for _, sl := range slots {
		sl.markEnd()
	}
	sent := stopRows()
	lag := groupLag(t, adm, p)
	t.Logf("after %v: %d rows sent (%.0f rows/s); consumer lag when the input stopped: %s",
		time.Since(began).Round(time.Second), sent, float64(sent)/time.Since(began).Seconds(), lag)
	drained := time.Now()
	lost, dead := cov.await(t, inputEnds(t, adm, input), 3*time.Minute)
	t.Logf("every row predicted or dead-lettered %v after the input stopped", time.Since(drained).Round(time.Second))
	stopSampling()
	for _, sl := range slots {
		sl.stop()
	}
	cov.mu.Lock()
	repeated := cov.repeated
	cov.mu.Unlock()
	total := int64(0)
	for _, n := range lost {
		total += n
	}
	for _, sl := range slots {
		t.Logf("instance %s: RSS at start %s, at end %s, peak %s (%d processes)", sl.name, mib(sl.atStart), mib(sl.atEnd), mib(sl.peak), sl.starts)
		if sl.peak > s.rssLimit {
			t.Errorf("instance %s: peak RSS %s, over the bound of %s", sl.name, mib(sl.peak), mib(s.rssLimit))
		}
	}
	t.Logf("rows sent %d, dead-lettered %d, lost per model %v (%d in all), repeated predictions %d", sent, dead, lost, total, repeated)
	if total != 0 {
		t.Errorf("%d rows lost: neither predicted nor dead-lettered", total)
	}
}

// soakEvent is a moment of the soak: the start of the measurement (restart
// -1) or the restart of an instance (the index, modulo the instances).
type soakEvent struct {
	at      time.Duration
	restart int
}

// soakWarmUp is when the soak reads the instances' memory "at start".
const soakWarmUp = 30 * time.Second

// soakEvents lists the moments of a soak in order.
func soakEvents(s soakSettings) []soakEvent {
	evs := []soakEvent{{at: min(soakWarmUp, s.duration), restart: -1}}
	for i := 1; s.rebalance > 0 && time.Duration(i)*s.rebalance < s.duration; i++ {
		evs = append(evs, soakEvent{at: time.Duration(i) * s.rebalance, restart: i - 1})
	}
	slices.SortStableFunc(evs, func(a, b soakEvent) int { return cmp.Compare(a.at, b.at) })
	return evs
}

// soakSlot is one instance of the soak: its process, restarted in turn,
// and what its processes' memory was.
type soakSlot struct {
	t                         *testing.T
	name, bin, config, dir    string
	brokers                   []string
	mu                        sync.Mutex
	p                         *proc
	starts                    int
	atStart, atEnd, peak, rss int64
}

func (sl *soakSlot) start() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.startLocked()
}

func (sl *soakSlot) startLocked() {
	sl.starts++
	sl.p = startRun(sl.t, sl.bin, sl.config, sl.brokers, sl.dir, fmt.Sprintf("soak-%s-%d", sl.name, sl.starts))
}

// restart stops the process with SIGTERM and starts another on the same
// state directory.
func (sl *soakSlot) restart() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.sampleLocked()
	sl.p.stop()
	sl.startLocked()
}

func (sl *soakSlot) stop() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.sampleLocked()
	sl.p.stop()
}

// sample reads the process's memory: its current RSS and its peak. A
// process that exited by itself fails the test.
func (sl *soakSlot) sample() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.sampleLocked()
}

func (sl *soakSlot) sampleLocked() {
	if sl.p.exited() {
		return
	}
	m, err := memoryOf(sl.p.cmd.Process.Pid)
	if err != nil {
		return
	}
	sl.rss = m.rss
	sl.peak = max(sl.peak, m.hwm, m.rss)
}

func (sl *soakSlot) markStart() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.sampleLocked()
	sl.atStart = sl.rss
}

func (sl *soakSlot) markEnd() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.sampleLocked()
	sl.atEnd = sl.rss
}

// sampleMemory samples the slots' memory every second, and logs it every
// soakLogEvery, until stopped.
func sampleMemory(t *testing.T, slots []*soakSlot) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 1; ; i++ {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			var line []string
			for _, sl := range slots {
				sl.sample()
				sl.mu.Lock()
				line = append(line, fmt.Sprintf("%s %s (peak %s)", sl.name, mib(sl.rss), mib(sl.peak)))
				sl.mu.Unlock()
			}
			if time.Duration(i)*time.Second%soakLogEvery == 0 {
				t.Logf("RSS: %s", strings.Join(line, ", "))
			}
		}
	}()
	return func() { close(quit); <-done }
}

// soakLogEvery is how often the soak logs the instances' memory.
const soakLogEvery = 30 * time.Second

// rssNote says the current and peak RSS of processes.
func rssNote(ps ...*proc) string {
	var out []string
	for _, p := range ps {
		m, err := memoryOf(p.cmd.Process.Pid)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", p.id, err))
			continue
		}
		out = append(out, fmt.Sprintf("%s %s (peak %s)", p.id, mib(m.rss), mib(m.hwm)))
	}
	return strings.Join(out, ", ")
}

// inputEnds are the end offsets of topic's partitions.
func inputEnds(t *testing.T, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// groupLag says the lag of the route and learn groups.
func groupLag(t *testing.T, adm *kadm.Client, p *topology.Pipeline) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lags, err := adm.Lag(ctx, string(p.Topics.RouteGroup), string(p.Topics.LearnGroup))
	if err != nil {
		return err.Error()
	}
	var out []string
	for _, l := range lags.Sorted() {
		if err := l.Error(); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", l.Group, err))
			continue
		}
		out = append(out, fmt.Sprintf("%s %d", l.Group, l.Lag.Total()))
	}
	return strings.Join(out, ", ")
}
