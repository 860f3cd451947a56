package operations

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestSupervise: a fault restarts fn after the backoff, reported once per
// restart; a config error ends it at once; a stop during the backoff is a
// normal stop; fn ending by itself is a fault too.
func TestSupervise(t *testing.T) {
	var events []RestartEvent
	o := RunOptions{Restarted: func(e RestartEvent) { events = append(events, e) }}
	calls := 0
	fault, bad := errors.New("broker gone"), errors.New("no brokers")
	began := time.Now()
	err := supervise(context.Background(), o, "g", func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return fault
		case 2:
			return nil // ended by itself
		default:
			return configError{bad}
		}
	})
	if !errors.Is(err, bad) || !IsConfigError(err) || calls != 3 {
		t.Fatalf("err %v after %d calls, want the config error after 3", err, calls)
	}
	if len(events) != 2 || events[0].Err != fault || events[0].Wait != minBackoff || events[1].Wait != 2*minBackoff ||
		events[0].What != "g" || events[1].Restart != 2 {
		t.Fatalf("events %+v", events)
	}
	if d := time.Since(began); d < 3*minBackoff {
		t.Errorf("restarted after %v, want the backoffs (1 s, 2 s)", d)
	}
	if s := events[0].String(); s != "g: broker gone; restarting in 1s (restart 1)" {
		t.Errorf("log line %q", s)
	}
	multi := RestartEvent{What: "g", Err: errors.New("1 error occurred:\n\t* i/o timeout\n\n"), Wait: minBackoff, Restart: 1}
	if s := multi.String(); s != "g: 1 error occurred: * i/o timeout; restarting in 1s (restart 1)" {
		t.Errorf("log line %q", s)
	}
	// 512 partitions fenced at once: a bounded line that says what it left out.
	long := RestartEvent{What: "g", Err: errors.New(strings.Repeat("* é PRODUCER_FENCED\n", 512)), Wait: minBackoff, Restart: 1}
	if s := long.String(); len(s) > maxRestartErr+100 || !utf8.ValidString(s) || !strings.Contains(s, " more bytes); restarting in 1s (restart 1)") {
		t.Errorf("log line of %d bytes: %q", len(s), s)
	}

	ctx, cancel := context.WithCancel(context.Background())
	o.Restarted = func(RestartEvent) { cancel() }
	if err := supervise(ctx, o, "g", func(context.Context) error { return fault }); !errors.Is(err, context.Canceled) {
		t.Errorf("stopped during the backoff: %v, want context.Canceled", err)
	}
}
