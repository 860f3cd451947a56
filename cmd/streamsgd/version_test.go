package main

import (
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	if v := buildVersion(); v == "" || strings.Contains(v, "\n") {
		t.Errorf("buildVersion() = %q", v)
	}
	defer func(old string) { version = old }(version)
	version = "v1.2.3"
	if v := buildVersion(); !strings.HasPrefix(v, "v1.2.3") {
		t.Errorf("with -X main.version=v1.2.3: %q", v)
	}
}
