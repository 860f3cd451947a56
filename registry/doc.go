// Package registry is the client side of the checkpoint registry: it reads
// the versions of a pipeline's models from the checkpoint group's table
// topic (franz-go, no goka processor), pins and unpins versions through the
// pins topic, exports versions as JSON or Avro and reads those exports
// back (ReadExport), and picks the version a model reference NAME,
// NAME@VERSION or NAME@pinned serves (ParseModelRef, Selector).
// `streamsgd models` and `streamsgd score` are thin shells around it.
//
// The registries it reads are table.Registry values, decoded with
// table.RegistryCodec (codecs/table); the pin commands it writes are
// table.PinCommand.
//
// # Imports
//
// registry imports topology (topic names), codecs/table, processors (pin
// commands), kafkaclient and schemas. Nothing imports registry but the CLI
// and the integration tests.
package registry
