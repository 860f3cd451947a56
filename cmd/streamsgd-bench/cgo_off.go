//go:build !cgo

package main

// buildKind says how pebble allocates its block cache and memtables in
// this build: without cgo (as `make build`), in the Go heap, so that
// GOMEMLIMIT bounds them too.
const buildKind = "pure Go build as make build: pebble's cache and memtables in the Go heap"
