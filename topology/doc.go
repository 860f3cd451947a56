// Package topology is the composition root of streamsgd: from a pipeline
// config (package config reads, defaults and validates it) it derives the
// model specs (specs.go), names every topic and group once (topics.go),
// builds the processors with their topics, codecs and model specs as struct
// fields (pipeline.go), and declares the whole DAG in one function, Graph
// (graph.go): every goka group with its inputs, outputs, table and lookups,
// the side channels written outside the groups' callbacks, and the loops
// that visit a group's table beside it. Text, DOT and Dangling render that
// declaration and nothing else.
//
// The DAG:
//
//	input topics ──► [route] ──► <p>.examples ──► [learn] ──► <p>.predictions
//	                    │                            │  ├───► <p>.metrics
//	                    │                            │  └───► <p>.events
//	                    └──► <p>.deadletter          └─ table <p>-learn-table
//	<p>-learn-table + <p>.pins ──► [checkpoint] ── table <p>-checkpoint-table
//	sharded models: [learn] ──► <p>.shards ──► [merge] ── table <p>-merge-table
//	                   ▲ lookup ────────────────────────────────┘
//	deployments: served topics ──► [score] ──► their outputs (<p>.scores), <p>.score-metrics
//	                                  │    └─► <p>.deadletter
//	   lookups: <p>-learn-table (<p>-merge-table), <p>-checkpoint-table, <p>.serving
//	delayed labels: [route] ──► <p>.features ─┐
//	                labels topic ─────────────┴► [join] ── table <p>-join-table
//	                   predictions ◄─┘ │ └─► <p>.deadletter   (lookups: <p>-learn-table, <p>-merge-table)
//	                   <p>.examples ◄──┘ (labeled rows with their feature-time prediction)
//	side channels: route's batching emitter ──► <p>.examples
//	               checkpoint tick loop, `models pin|unpin`, POST /api/pin|unpin ──► <p>.pins
//	               `serve promote|rollback` ──► <p>.serving
//	visit loops:   join's expiry (visitor "expire") ──► join's outputs
//
// topology declares; it runs nothing and opens no connection. What is done
// to a running pipeline (run, restore, replay, topic creation) is package
// operations. topology imports the processors and codecs; it must not
// import operations, kafkaclient or the CLI.
package topology
