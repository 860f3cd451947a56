package operations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/streamsgd/streamsgd/topology"
)

// RestartEvent is one restart of a group (or of a whole run) after a
// fault.
type RestartEvent struct {
	// What restarts: a group, the checkpoint tick loop, or "run" (the
	// setup of the run: its emitter, the topics' limits).
	What string
	// Restart counts the restarts of What in this Run, from 1.
	Restart int
	// Err is why it stopped.
	Err error
	// Wait is the backoff before the next start.
	Wait time.Duration
}

// String is the log line of the restart: one line, whatever the error
// (goka's errors span several), of at most maxRestartErr bytes of it (a
// group of many partitions fenced at once listed 512 errors: 208,927
// characters in one line).
func (e RestartEvent) String() string {
	msg := strings.Join(strings.Fields(e.Err.Error()), " ")
	if len(msg) > maxRestartErr {
		cut := maxRestartErr
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = fmt.Sprintf("%s … (%d more bytes)", msg[:cut], len(msg)-cut)
	}
	return fmt.Sprintf("%s: %s; restarting in %v (restart %d)", e.What, msg, e.Wait, e.Restart)
}

// maxRestartErr bounds the error of a restart's log line.
const maxRestartErr = 2000

// The backoff between restarts: doubling from minBackoff to maxBackoff,
// back to minBackoff after a run that lasted healthyRun. maxBackoff is
// also the most a run waits after its broker is back.
const (
	minBackoff = time.Second
	maxBackoff = 10 * time.Second
	healthyRun = time.Minute
)

// configError marks an error that a restart cannot heal: the run's options
// or the pipeline are wrong.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// IsConfigError reports whether err is a fault of the options or the
// pipeline, which Run does not retry.
func IsConfigError(err error) bool {
	var ce configError
	return errors.As(err, &ce)
}

// Run runs the pipeline's groups until ctx is done. A fault heals
// in-process: a group that fails (broker gone, a join that timed out, a
// recovery that failed) starts again after a backoff (1 s doubling to
// 10 s), each group on its own, reported to o.Restarted; the local stores
// are kept, so it resumes where its table and committed offsets say. Run
// returns only when ctx is done (nil or ctx's error) or on a config error
// (IsConfigError), which no restart heals.
//
// The first start is not retried: brokers that cannot be reached, refused
// credentials or certificates, or topics that cannot be described when Run
// starts end it with that error, as they end every command.
func Run(ctx context.Context, p *topology.Pipeline, o RunOptions) error {
	started := false
	return supervise(ctx, o, "run", func(ctx context.Context) error {
		err := o.Security.Explain(run(ctx, p, o, func() { started = true }))
		if err != nil && !started {
			return configError{err}
		}
		return err
	})
}

// supervise runs fn until ctx is done or fn returns a config error,
// starting it again with backoff after any other error.
func supervise(ctx context.Context, o RunOptions, what string, fn func(context.Context) error) error {
	wait := minBackoff
	for restart := 1; ; restart++ {
		began := time.Now()
		err := fn(ctx)
		if ctx.Err() != nil || IsConfigError(err) {
			return err
		}
		if err == nil {
			err = fmt.Errorf("operations: %s stopped by itself", what)
		}
		if time.Since(began) >= healthyRun {
			wait = minBackoff
		}
		if o.Restarted != nil {
			o.Restarted(RestartEvent{What: what, Restart: restart, Err: err, Wait: wait})
		}
		select {
		case <-ctx.Done():
			return ctx.Err() // stopped while waiting: a normal stop
		case <-time.After(wait):
		}
		wait = min(2*wait, maxBackoff)
	}
}
