// Package topology is the composition root of streamsgd: from a pipeline
// config (package config reads, defaults and validates it) it derives the
// model specs (specs.go), names every topic and group once (topics.go), and
// builds the goka group graphs of the whole DAG in data-flow order
// (graph.go), handing each processor its topics, codecs and model specs as
// struct fields.
//
// The DAG:
//
//	input topics ──► [route] ──► <p>.examples ──► [learn] ──► <p>.predictions
//	                    │                            │  └───► <p>.metrics
//	                    └──► <p>.deadletter          └─ table <p>-learn-table
//	<p>-learn-table + <p>.pins ──► [checkpoint] ── table <p>-checkpoint-table
//	sharded models: [learn] ──► <p>.shards ──► [merge] ── table <p>-merge-table
//	                   ▲ lookup ────────────────────────────────┘
//
// topology imports the processors and codecs; nothing imports topology but
// the CLI, the integration tests and the benchmarks.
package topology
