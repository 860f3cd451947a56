package main

import "testing"

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
