// Package examples embeds the example pipeline configs, so that
// `streamsgd demo` runs with no file at hand.
package examples

import _ "embed"

// SUSY is the pipeline of the SUSY-on-Kafka walkthrough (examples/susy.yaml).
//
//go:embed susy.yaml
var SUSY []byte
