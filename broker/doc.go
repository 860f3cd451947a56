// Package broker runs the embedded Kafka-protocol broker (franz-go's kfake)
// that `streamsgd broker` and `streamsgd demo` start, so that a new user
// needs nothing but Go. It persists to a data directory when given one and
// compacts often, so that table restores stay short.
//
// It must not import the processors or the topology.
package broker
