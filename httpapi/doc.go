// Package httpapi is the HTTP server of `streamsgd run --http`: Prometheus
// metrics (/metrics, from a registry of its own), health and readiness
// (/healthz, /readyz), a JSON API under /api (the topology, the models and
// their learning curves, the groups' throughput and lag, one key's live
// state and versions, pin and unpin, scoring) and the dashboard (/, files
// embedded with go:embed, no request to any other host).
//
// # Endpoints
//
//	GET  /healthz                  the process is up
//	GET  /readyz                   200 once every group's assigned partitions are recovered, else 503
//	GET  /metrics                  Prometheus text format
//	GET  /api/topology             the DAG (topology.Description)
//	GET  /api/groups               rows in/out, dead letters by kind, lag and readiness per group and partition
//	GET  /api/models               per model: rows learned, rolling metrics, versions of its global key
//	GET  /api/curve?model=M&since=T  the learning curve of a model (points after T, RFC 3339)
//	GET  /api/state?key=K          the live state of a model key (weights, scaler, rows, watermarks)
//	GET  /api/versions?key=K       the versions of a model key
//	POST /api/pin?key=K&version=N  pin a version (bearer token)
//	POST /api/unpin?key=K&version=N  unpin a version (bearer token)
//	POST /api/score/{deployment}   score rows (JSON or CSV) as the deployment serves now
//	POST /api/score?model=M&state=S  score rows with a model in a state (latest, pinned, a version id)
//
// Errors are JSON, {"error": "...", "status": N}, with the status code.
// Request bodies are bounded (api.max_body_kb), and so are the rows of a
// score request (api.max_rows). Write endpoints need the token of
// api.token or $STREAMSGD_API_TOKEN; without one configured they are
// refused.
//
// The server reads what the processors count (package runstats), the
// goka processors of the run (their recovery and goka's stats) and goka
// views of the tables (operations.Views); it writes only pin commands,
// through package registry. It must not be imported by processors,
// topology or operations.
package httpapi
