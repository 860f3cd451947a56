package kafkaclient

import (
	"fmt"
	"time"

	"github.com/IBM/sarama"
)

// The consumer-group timing of streamsgd's processors.
//
// The session timeout is how long a member killed with SIGKILL holds its
// partitions. It is not much shorter than 10 s (sarama's default): after
// every rebalance goka waits 5 s before it rejoins, sending no heartbeat
// meanwhile. On Apache Kafka (group.min.session.timeout.ms is 6 s by
// default) --session-timeout 6s shortens a takeover after a kill.
//
// The rebalance timeout is how long the coordinator waits for the members
// to rejoin once a rebalance starts; streamsgd's members rejoin within
// goka's 5 s, so 10 s is ample (sarama's default, 60 s, let a dead member
// hold a rebalance up for a minute). The read timeout applies to every
// request, JoinGroup too, which the coordinator answers when the rebalance
// completes, so it is above the rebalance timeout (sarama's defaults, 30 s
// against 60 s, made members give up with i/o timeouts), with room for the
// embedded broker (kfake), which starts its rebalance timer again at every
// join: with 15 s, joins that kfake would have answered timed out, and the
// restarts kept the groups rebalancing. A JoinGroup that is never answered
// fails after 25 s and the group restarts (operations.Run). The embedded
// broker is a patched kfake (third_party/kfake/PATCHES.md): upstream kfake
// dropped a member whose session ran out while it waited in JoinGroup
// without answering it, and kept a member killed while it waited there for
// good.
const (
	DefaultSessionTimeout = 10 * time.Second
	DefaultHeartbeat      = 3 * time.Second
	RebalanceTimeout      = 10 * time.Second
	// ReadTimeout is sarama's Net.ReadTimeout.
	ReadTimeout = 25 * time.Second
)

// GroupTiming is a consumer-group member's session timeout and heartbeat
// interval; zero fields take the defaults.
type GroupTiming struct {
	SessionTimeout time.Duration
	Heartbeat      time.Duration
}

// withDefaults fills the zero fields.
func (g GroupTiming) withDefaults() GroupTiming {
	if g.SessionTimeout == 0 {
		g.SessionTimeout = DefaultSessionTimeout
	}
	if g.Heartbeat == 0 {
		g.Heartbeat = DefaultHeartbeat
	}
	return g
}

// Validate checks the timing after defaults: a heartbeat at most a third
// of the session (Kafka's advice: a member misses two heartbeats before
// it is dropped). The broker bounds the session too
// (group.min.session.timeout.ms, group.max.session.timeout.ms).
func (g GroupTiming) Validate() error {
	g = g.withDefaults()
	switch {
	case g.SessionTimeout < 100*time.Millisecond:
		return fmt.Errorf("session timeout %v: must be at least 100ms", g.SessionTimeout)
	case g.Heartbeat <= 0 || 3*g.Heartbeat > g.SessionTimeout:
		return fmt.Errorf("heartbeat %v: must be > 0 and at most a third of the session timeout (%v)", g.Heartbeat, g.SessionTimeout)
	}
	return nil
}

// Apply sets the timing on a sarama config (defaults for zero fields).
func (g GroupTiming) Apply(cfg *sarama.Config) {
	g = g.withDefaults()
	cfg.Consumer.Group.Session.Timeout = g.SessionTimeout
	cfg.Consumer.Group.Heartbeat.Interval = g.Heartbeat
	cfg.Consumer.Group.Rebalance.Timeout = RebalanceTimeout
	cfg.Net.ReadTimeout = ReadTimeout
}
