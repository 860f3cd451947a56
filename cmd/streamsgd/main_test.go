package main

import (
	"math"
	"testing"
)

func TestCommandName(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"run", "run"},
		{"tail <topic>", "tail"},
		{"models show <key>", "models show"},
		{"serve promote <key> <version>", "serve promote"},
	} {
		if got := commandName(c.path); got != c.want {
			t.Errorf("commandName(%q) = %q, want %q", c.path, got, c.want)
		}
	}
}

func TestMetricText(t *testing.T) {
	for v, want := range map[float64]string{0: "0.0000", 0.79561: "0.7956", 53.012: "53.0120", 5.98e-8: "5.98e-08", -0.0001234: "-0.0001234", 0.0005: "0.0005"} {
		if got := metricText(v); got != want {
			t.Errorf("metricText(%v) = %q, want %q", v, got, want)
		}
	}
	if got := metricText(math.NaN()); got != "NaN" {
		t.Errorf("NaN: %q", got)
	}
}
