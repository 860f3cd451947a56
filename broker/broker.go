package broker

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Options of the embedded broker. Zero fields take the defaults given.
type Options struct {
	// Port to listen on, on 127.0.0.1. 0 picks a free port. The CLI's
	// default is 9092.
	Port int
	// DataDir persists topics, records and committed offsets across
	// restarts (also kill -9). Empty keeps everything in memory.
	DataDir string
	// SyncWrites fsyncs every write (power-loss safety). Default off.
	SyncWrites bool
	// CompactionInterval is log.cleaner.backoff.ms. Default "5000" (5 s),
	// instead of Kafka's hour, so that compacted table topics stay small.
	CompactionInterval string
	// SASL users (method PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512); when set,
	// clients must authenticate.
	Users []User
	// Logger, if set, receives the broker's log.
	Logger kfake.Logger
	// Extra options passed to kfake as they are (TLS, several brokers...).
	Extra []kfake.Opt
}

// User is a SASL user of the embedded broker.
type User struct {
	Mechanism, Name, Password string
}

// Broker is a running embedded broker.
type Broker struct {
	cluster *kfake.Cluster
}

// Start starts a broker.
func Start(o Options) (*Broker, error) {
	if o.CompactionInterval == "" {
		o.CompactionInterval = "5000"
	}
	opts := []kfake.Opt{
		kfake.Ports(o.Port),
		kfake.BrokerConfigs(map[string]string{"log.cleaner.backoff.ms": o.CompactionInterval}),
	}
	if o.DataDir != "" {
		opts = append(opts, kfake.DataDir(o.DataDir))
	}
	if o.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	if o.Logger != nil {
		opts = append(opts, kfake.WithLogger(o.Logger))
	}
	if len(o.Users) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for i, u := range o.Users {
			if i == 0 {
				opts = append(opts, kfake.Superuser(u.Mechanism, u.Name, u.Password))
				continue
			}
			opts = append(opts, kfake.User(u.Mechanism, u.Name, u.Password))
		}
	}
	opts = append(opts, o.Extra...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("broker: start on port %d: %w", o.Port, err)
	}
	return &Broker{cluster: c}, nil
}

// Addrs are the listen addresses, host:port.
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Cluster exposes kfake's cluster for fault injection in tests.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// Close stops the broker (and flushes its data dir).
func (b *Broker) Close() { b.cluster.Close() }
