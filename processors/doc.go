// Package processors holds the goka callbacks of the streamsgd DAG: route
// (decode, validate, re-key, batch) and learn (prequential prediction, rolling
// metrics, one SGD step per row, exactly-once effect on the model state, the
// row's loss to the key's drift monitor: see observeDrift) and
// checkpoint (versions of the model states in a registry per model key, pin
// and unpin commands), and for data-parallel global models merge (the
// row-weighted average of the shards, which the shards mix back in: see
// StepMerged and Merge), and score (the scoring deployments: rows of the
// served topics predicted with a looked-up state of a model, never
// learned from: see Score).
//
// Each processor is a thin goka shell around a pure step function:
// the callback asserts the message type, calls the step with the current
// state, then calls SetValue and Emit with what the step returned. The steps
// hold all the logic and are tested without Kafka; the shells are tested with
// goka's tester.
//
// # Bad input
//
// No input stops a processor or is lost: route puts every row of every
// record in a batch or in a dead letter, once per model. It dead-letters
// what cannot be decoded, empty messages and messages without rows, and
// the rows a model's learner would refuse (model.Config.CheckLabel), so
// that learn never fails on data. It bounds what it writes by bytes
// (Route.ExamplesMaxBytes, PredictionsMaxBytes, DeadLetterMaxBytes: the
// topics' max.message.bytes): batches are split, dead letters cut
// (wire.DeadLetter.Fit).
//
// # Serving
//
// Score decodes with route's decoding (the same dead letters, their
// reasons prefixed "serve <deployment>: ") and reads the tables through
// goka lookups: the learn or merge table for the latest state, the
// checkpoint registry for a pinned or fixed version (each version's
// learner decoded once, learnerCache), and <p>.serving for the overrides
// `streamsgd serve promote` writes (table.ServingOverride), so that what it
// serves changes from one record to the next without a restart. Its
// rolling metrics live in memory, per input partition (ScorePartition).
//
// # Delayed labels
//
// When the labels come on a topic of their own (config.Labels), route
// writes each row, keyed by its example id, to <p>.features (Features of
// the row: Route.FeaturesOf) instead of batching it, and Join pairs rows
// and labels in its table (table.Pending), in whichever order they come:
// it predicts a row when it comes, with each model key's state looked up
// in the learn (merge) table, and sends the labeled row with that
// prediction (wire.ExampleBatch.Scores) to learn when its label comes;
// learn then learns it and scores its metrics with that prediction
// (learnScored), writing no prediction of its own. Duplicate, bad, late
// and expired labels and expired rows are dead-lettered (Join's reasons);
// a visitor run beside the group expires entries (Join.Expire).
//
// # Counting
//
// Route, Learn and Score count what they do in runstats counters they hold
// (their Stats and Models fields, set by topology.Pipeline.WithStats):
// rows in and out and dead letters per partition, rows learned and metric
// snapshots per model; nil fields count nothing. Score.ScoreRows scores
// rows on request as the score group does, for the HTTP API.
//
// # Tables
//
// What the groups keep in their tables and publish for merging
// (table.ModelState, table.ShardState, table.Registry), the table keys and
// the goka codecs of those values live in codecs/table; ModelSpec.Shape
// (and Shapes) tells those codecs the shape of each model. The pure steps
// here decide how the values change. The serving overrides the score group
// looks up (table.ServingOverride) and the pin commands on <p>.pins
// (table.PinCommand) are codecs/table's too.
//
// # Imports
//
// Processors receive their topics and model specs as struct fields. They never
// import package topology, which composes them into goka group graphs; a
// ModelSpec carries the model's sections of package config as they are.
// They import the codecs (codecs/input, codecs/wire, codecs/table), model
// and metrics; no codec imports processors.
package processors
