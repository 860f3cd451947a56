// Package connect owns the security settings of streamsgd's Kafka clients:
// TLS and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), read from the
// pipeline config's security section or the CLI's flags, validated, and
// converted for both client stacks: sarama (goka's consumers and topic
// managers) and franz-go (producers, admin, tail).
//
// It imports neither the goka processors nor topology.
package connect
