// Package integration holds the end-to-end tests of streamsgd: real
// processors over TCP against a Kafka-protocol broker. By default each test
// starts the embedded broker (franz-go's kfake) on a free port; set
// STREAMSGD_BROKERS=host:port,... to run the same tests against any Kafka
// cluster (topic names are then prefixed per test run).
package integration
