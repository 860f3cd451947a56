//go:build cgo

package main

// buildKind says how pebble allocates its block cache and memtables in
// this build: with cgo, in C memory (malloc), unlike `make build`
// (CGO_ENABLED=0), where they are Go heap.
const buildKind = "cgo build: pebble's cache and memtables in C malloc, unlike make build; run with CGO_ENABLED=0 to measure the shipped binary"
