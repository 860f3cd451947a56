// Package operations is what is done to a pipeline on a cluster, given the
// pipeline that package topology composed:
//
//   - Run: the goka processors of the DAG's groups, its side channels
//     (route's batching emitter, the checkpoint tick loop) and its visit
//     loops (the join group's expiry), each restarted after a fault until
//     the context ends (run.go, supervise.go); route's outputs bounded by
//     the max.message.bytes of their topics, read when the run starts
//     (ReadRouteLimits, limits.go); the learn and merge tables' writers
//     fenced (fence.go); the process's memory limit sized from the
//     pipeline's stores (SetMemoryLimit, memory.go);
//   - EnsureTopics, CreateTopic, Exists: the pipeline's topics (create.go);
//   - Restore: the local pebble stores rebuilt from the tables' changelogs
//     before a run (restore.go);
//   - Replay: the input reprocessed into a fresh generation of the pipeline
//     and its learn table compared with the live one (replay.go,
//     compare.go);
//   - Promote, Rollback, Overrides, ServedNow: a scoring deployment's
//     serving override on <p>.serving (serving.go); Evaluate: held-out
//     metrics of a deployment from its output (evaluate.go);
//   - ReadTable, ScanTable: a table read from its changelog (tables.go);
//   - Views: goka views of the tables for interactive queries, the
//     processors.Tables of the HTTP API (views.go); PollLag, MeasureLag:
//     the groups' consumer lag into runstats (lag.go); RunOptions.Stats and
//     Processor let a run count what it does and show its processors;
//   - the consumer wrapper that lets table readers survive compaction
//     moving the log start (tablereset.go).
//
// It takes the DAG from topology.Pipeline.Graph and the clients from
// kafkaclient; it declares no topic or group of its own. Only the CLI, the
// benchmarks and the integration tests import it.
package operations
