package config

import (
	"strings"
	"testing"
)

func TestAPIToken(t *testing.T) {
	c := &Pipeline{API: API{Token: "config-token-0123456789"}}
	env := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) { return v, k == APITokenEnv && v != "" }
	}
	for _, tc := range []struct {
		env, want, err string
	}{
		{env: "", want: "config-token-0123456789"},
		{env: "env-token-0123456789", want: "env-token-0123456789"},
		{env: "short", err: "at least 16 characters, got 5"},
	} {
		got, err := c.APIToken(env(tc.env))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("env %q: err %v, want %q", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("env %q: %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
}
