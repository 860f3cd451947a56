package kafkaclient

import (
	"strings"
	"testing"
	"time"
)

func TestGroupTiming(t *testing.T) {
	for _, tc := range []struct {
		name    string
		g       GroupTiming
		wantErr string
	}{
		{"defaults", GroupTiming{}, ""},
		{"kafka's default session", GroupTiming{SessionTimeout: 10 * time.Second, Heartbeat: 3 * time.Second}, ""},
		{"heartbeat a third", GroupTiming{SessionTimeout: 6 * time.Second, Heartbeat: 2 * time.Second}, ""},
		{"heartbeat too long", GroupTiming{SessionTimeout: 6 * time.Second, Heartbeat: 3 * time.Second}, "heartbeat 3s"},
		{"negative heartbeat", GroupTiming{Heartbeat: -time.Second}, "heartbeat -1s"},
		{"long session", GroupTiming{SessionTimeout: time.Minute, Heartbeat: 3 * time.Second}, ""},
		{"tiny session", GroupTiming{SessionTimeout: time.Millisecond, Heartbeat: time.Microsecond}, "at least 100ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.g.Validate()
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestSaramaConfigTimeouts: the read timeout of every request is above
// the rebalance timeout (a JoinGroup waits that long), and the defaults
// are sarama-valid.
func TestSaramaConfigTimeouts(t *testing.T) {
	cfg := SaramaConfig(nil, "id")
	if cfg.Net.ReadTimeout <= cfg.Consumer.Group.Rebalance.Timeout {
		t.Errorf("read timeout %v not above the rebalance timeout %v", cfg.Net.ReadTimeout, cfg.Consumer.Group.Rebalance.Timeout)
	}
	if cfg.Consumer.Group.Session.Timeout != DefaultSessionTimeout || cfg.Consumer.Group.Heartbeat.Interval != DefaultHeartbeat {
		t.Errorf("session %v heartbeat %v", cfg.Consumer.Group.Session.Timeout, cfg.Consumer.Group.Heartbeat.Interval)
	}
	GroupTiming{SessionTimeout: 10 * time.Second, Heartbeat: 3 * time.Second}.Apply(cfg)
	if cfg.Consumer.Group.Session.Timeout != 10*time.Second {
		t.Errorf("Apply: session %v", cfg.Consumer.Group.Session.Timeout)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("sarama: %v", err)
	}
}
