package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

// pipelineChildOptions is what a -serve-pipeline child runs: one instance
// of a pipeline's processors, as `streamsgd run` would.
type pipelineChildOptions struct {
	Brokers    []string
	Config     string // pipeline YAML
	StateDir   string
	ClientID   string
	HotStandby bool
	// SkipWatermarks turns the learner's exactly-once check off
	// (processors.Learn.SkipWatermarks; benchmarks only).
	SkipWatermarks bool
	// HeapProfile, if set, is where the child writes a heap profile when
	// it is asked to stop; CPUProfile, where it writes a CPU profile of
	// its whole run.
	HeapProfile, CPUProfile string
	// MemoryLimitMB is the child's -memory-limit-mb (the parent's).
	MemoryLimitMB int
	// Env is added to the child's environment (e.g. GOMEMLIMIT).
	Env []string `json:"-"`
}

// childMemory is what a pipeline child reports on stdout when it stops
// gracefully: its Go runtime's view of its memory when it was asked to
// stop (pebble's block cache and memtables are allocated outside the Go
// heap and are not in these figures).
type childMemory struct {
	// HeapInuse: bytes in in-use spans; HeapSys: heap memory held from
	// the OS (not released); Sys: all memory the Go runtime holds.
	HeapInuse, HeapSys, Sys uint64
	// Status is /proc/self/status's memory lines (VmHWM, VmRSS, RssAnon,
	// RssFile), kB.
	Status map[string]int64
}

// servePipeline runs the processors described by the JSON options until
// SIGTERM/SIGINT or until stdin closes (the parent went away), then prints
// a childMemory line on stdout.
func servePipeline(arg string) error {
	var o pipelineChildOptions
	if err := json.Unmarshal([]byte(arg), &o); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	cfg, err := config.Parse([]byte(o.Config), "bench.yaml")
	if err != nil {
		return err
	}
	p, err := topology.Build(cfg)
	if err != nil {
		return err
	}
	p.Learn.SkipWatermarks = o.SkipWatermarks
	operations.SetMemoryLimit(o.MemoryLimitMB, p)
	stopProfile, err := startCPUProfile(o.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n') // returns when the parent goes away
		cancel()
	}()
	// On SIGTERM, the memory is read (and the heap profile written) while
	// the processors still run, then they stop.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	type report struct {
		mem childMemory
		err error
	}
	reported := make(chan report, 1)
	go func() {
		select {
		case <-sig:
		case <-ctx.Done():
			return
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		r := report{mem: childMemory{HeapInuse: ms.HeapInuse, HeapSys: ms.HeapSys - ms.HeapReleased, Sys: ms.Sys, Status: procStatus("self")}}
		if o.HeapProfile != "" {
			r.err = writeProfile("heap", o.HeapProfile)
		}
		reported <- r
		cancel()
	}()
	err = operations.Run(ctx, p, operations.RunOptions{Brokers: o.Brokers, StateDir: o.StateDir, ClientID: o.ClientID, HotStandby: o.HotStandby})
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	var r report
	select {
	case r = <-reported:
	default: // stopped by its stdin closing
	}
	if r.err != nil {
		return r.err
	}
	return json.NewEncoder(os.Stdout).Encode(r.mem)
}

// pipelineChild is a -serve-pipeline child process: the processors run
// apart from the bench (and from the broker child), so that their memory
// can be measured alone and the instance can be killed.
type pipelineChild struct {
	cmd   *exec.Cmd
	stdin io.Closer
	out   bytes.Buffer
	done  chan struct{} // closed when the child has exited
	err   error         // its exit status, once done
}

func startPipelineChild(o pipelineChildOptions) (*pipelineChild, error) {
	o.MemoryLimitMB = memoryLimitMB
	arg, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	c := &pipelineChild{done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-serve-pipeline", string(arg))
	c.cmd.Stdout = &c.out
	if len(o.Env) > 0 {
		c.cmd.Env = append(os.Environ(), o.Env...)
	}
	c.cmd.Stderr = os.Stderr
	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	c.stdin = stdin
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pipeline child: %w", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// exited is closed when the child has exited; failed then tells why.
func (c *pipelineChild) exited() <-chan struct{} { return c.done }

func (c *pipelineChild) failed() error {
	if c.err != nil {
		return fmt.Errorf("pipeline child %d: %w", c.cmd.Process.Pid, c.err)
	}
	return fmt.Errorf("pipeline child %d exited", c.cmd.Process.Pid)
}

// childStats is what a stopped child used.
type childStats struct {
	maxRSS int64 // peak resident memory (rusage), bytes
	mem    childMemory
}

// stop stops the child gracefully (SIGTERM: its context is cancelled, goka
// leaves the groups) and waits for it.
func (c *pipelineChild) stop() (childStats, error) {
	defer c.stdin.Close()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return childStats{}, fmt.Errorf("stop pipeline child: %w", err)
	}
	select {
	case <-c.done:
	case <-time.After(2 * time.Minute):
		c.cmd.Process.Kill()
		<-c.done
		return childStats{}, fmt.Errorf("pipeline child %d did not stop in 2 minutes", c.cmd.Process.Pid)
	}
	if c.err != nil {
		return childStats{}, c.failed()
	}
	var st childStats
	if ru, ok := c.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		st.maxRSS = ru.Maxrss << 10 // KiB on Linux
	}
	if err := json.Unmarshal(c.out.Bytes(), &st.mem); err != nil {
		return st, fmt.Errorf("pipeline child report %q: %w", c.out.String(), err)
	}
	return st, nil
}

// kill kills the child with SIGKILL: it leaves its groups only when the
// brokers' session timeout expires.
func (c *pipelineChild) kill() {
	c.cmd.Process.Kill()
	<-c.done
	c.stdin.Close()
}

// rss returns the child's current resident memory (VmRSS), bytes.
func (c *pipelineChild) rss() (int64, error) {
	pid := strconv.Itoa(c.cmd.Process.Pid)
	kb, ok := procStatus(pid)["VmRSS"]
	if !ok {
		return 0, fmt.Errorf("no VmRSS in /proc/%s/status", pid)
	}
	return kb << 10, nil
}

// procStatus reads the memory lines of /proc/<pid>/status, in kB (none if
// it cannot be read).
func procStatus(pid string) map[string]int64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return nil
	}
	m := make(map[string]int64)
	for line := range strings.Lines(string(data)) {
		name, v, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "Vm") && !strings.HasPrefix(name, "Rss") {
			continue
		}
		if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
			m[name] = kb
		}
	}
	return m
}
