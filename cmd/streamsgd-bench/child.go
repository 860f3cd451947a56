package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/streamsgd/streamsgd/broker"
)

// serveBroker runs the embedded broker in this process (the -serve-broker
// child) and prints its address on stdout until stdin closes or a signal.
// With STREAMSGD_BENCH_BROKER_CPUPROFILE set it writes a CPU profile of
// the broker there when it stops.
func serveBroker() error {
	b, err := broker.Start(broker.Options{})
	if err != nil {
		return err
	}
	defer b.Close()
	stopProfile, err := startCPUProfile(os.Getenv("STREAMSGD_BENCH_BROKER_CPUPROFILE"))
	if err != nil {
		return fmt.Errorf("broker: %w", err)
	}
	defer stopProfile()
	fmt.Println(strings.Join(b.Addrs(), ","))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	eof := make(chan struct{})
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n') // returns when the parent goes away
		close(eof)
	}()
	select {
	case <-sig:
	case <-eof:
	}
	return nil
}

// childBroker is an embedded broker in a child process, so that its heap
// (every record of every topic) is not scanned by the garbage collector of
// the process being measured, as with a broker deployed on its own.
type childBroker struct {
	cmd   *exec.Cmd
	addrs []string
	stdin interface{ Close() error }
}

// startChildBroker starts the broker child; env is added to its
// environment (e.g. a GOGC or GOMEMLIMIT for a scenario that keeps much data).
func startChildBroker(env ...string) (*childBroker, error) {
	cmd := exec.Command(os.Args[0], "-serve-broker")
	cmd.Stderr = os.Stderr
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start broker child: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("broker child: %w", err)
	}
	return &childBroker{cmd: cmd, addrs: strings.Split(strings.TrimSpace(line), ","), stdin: stdin}, nil
}

func (c *childBroker) Close() {
	c.stdin.Close()
	c.cmd.Wait()
}
