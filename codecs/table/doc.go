// Package table owns the values and keys of streamsgd's goka tables and
// their codecs: what the learn, merge, checkpoint and join groups store,
// what shards publish for merging, the serving overrides the score group
// looks up, and the commands on <p>.pins that change the registry.
//
// # Values and codecs
//
//   - ModelState, the value of the learn table (and, with Shards set, of
//     the merge table): learner, rolling metrics, counts, the
//     applied-offset watermarks and the drift monitor of one model key.
//     StateCodec; a learner's own codec (NewLearnerStateCodec) caches the
//     states it encoded.
//   - ShardState, what a shard of a data-parallel model publishes on
//     <p>.shards. ShardCodec.
//   - Registry, the value of the checkpoint table: the Versions of one
//     model key and the results of pin commands. RegistryCodec.
//   - Pending, the value of the join table (delayed labels): one example's
//     features and predictions, or its label, waiting for the other.
//     PendingCodec.
//   - ServingOverride, the value of <p>.serving (no group owns it; `streamsgd
//     serve promote` writes it): the model and ServeState a deployment
//     serves instead of its config's. ServingCodec, JSON. ServeState is
//     also the type of a deployment's state in the pipeline config.
//   - PinCommand and TickCommand, the messages on <p>.pins that the
//     checkpoint group applies to a Registry (JSON; read as bytes).
//
// Readers that look the same keys up again and again (the score group's
// views of the learn, merge and checkpoint tables) use view codecs,
// NewStateViewCodec and NewRegistryViewCodec: they return the value they
// decoded last for a key when handed the same bytes, and turn what they
// cannot decode into an *UndecodableState.
//
// The state and shard codecs rebuild learners and windows of the right
// configs from each model's Shape, by model name; processors.ModelSpec
// makes the Shape of a model of the pipeline config. A version in a
// Registry keeps its learner's config, so RegistryCodec needs none.
//
// Every binary encoding is hand-written on codecs/binio, starts with a
// format byte, and is deterministic: equal values give equal bytes. Its
// decoders never panic and never allocate more than their input can fill
// (each has a fuzz test); corrupt data gives an error wrapping
// ErrStateCorrupt or ErrRegistryCorrupt. The serving overrides and the pin
// commands, which commands write, are JSON.
//
// # Keys
//
// keys.go spells the table keys: a global model's key is its name, or one
// key per shard (ShardKeys, ShardIndex); a per-entity model's key is
// EntityKey. Partition is the partition goka assigns to a key.
//
// # Imports
//
// table imports the standard library, model, metrics, drift,
// codecs/binio and codecs/wire (for Watermark); its codecs satisfy
// goka.Codec without importing goka. It must not import config, processors
// or topology: they import table.
package table
