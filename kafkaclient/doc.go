// Package kafkaclient builds every Kafka client streamsgd uses, in one
// place:
//
//   - franz-go clients: NewClient for producers, partitioning keys exactly
//     as goka does (GokaPartitioner); New for consumers, admin and readers
//     of tables (tail, replay, restore, the registry);
//   - goka's producer over franz-go (GokaProducerBuilder);
//   - the sarama config of goka's consumers and topic managers
//     (SaramaConfig);
//   - their security: TLS and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512),
//     read from the pipeline config's security section or the CLI's flags,
//     validated, and applied to both client stacks (Security.Clients,
//     Security.Sarama, Security.Kgo), with a hint when a broker drops a SASL connection
//     (Security.Explain).
//
// It imports goka, sarama and franz-go, never the processors, the topology
// or the operations.
package kafkaclient
