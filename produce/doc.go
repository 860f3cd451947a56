// Package produce writes records into the input topics of goka processors
// with franz-go: CSV files and the synthetic SUSY-shaped stream, one row or
// a batch of rows per message, label in the key or in a column.
//
// Every producer here partitions keys the way goka does (FNV-1a, sarama's
// arithmetic): a record produced with franz-go's default murmur2 partitioner
// would land where goka's tables do not look for it, and the state of its
// key would be silently lost on restart (kafkaclient.GokaPartitioner; a
// test in kafkaclient guards it).
//
// It must not import the processors or the topology.
package produce
