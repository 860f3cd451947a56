// Package runstats holds the counters of a running pipeline: rows in and
// out and dead letters (by reason kind) per group and partition, rows
// learned and the rolling learning metrics per model (with a bounded
// history for learning curves), consumer lag, rebalances and readiness.
//
// The processors update it on their hot path, so updates are atomic adds
// on values found without a lock (a partition's counters are found by
// index in a copy-on-write slice). Readers (the Prometheus collector, the
// HTTP API, the progress log) read snapshots at any time from other
// goroutines. A nil *Group or *Models is valid and counts nothing: a run
// without stats pays one nil check per message.
//
// Per-entity models are aggregated per model: a model's rolling metrics
// are the row-weighted mean of the snapshots its keys emitted in the last
// period (Models.Observe), so the number of series never grows with the
// keys.
//
// It imports only the standard library and the project's wire and
// metrics packages; it must not import goka, processors or topology.
package runstats
