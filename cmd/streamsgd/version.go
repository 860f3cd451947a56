package main

import (
	"runtime/debug"
	"strings"
)

// version is set at link time (go build -ldflags "-X main.version=v1.2.3");
// empty, the build info says it.
var version string

// buildVersion is the version --version prints: the link-time version,
// else the module version of the build, with the VCS revision and
// whether the tree was modified, and the Go version.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	v := version
	if v == "" && ok {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if !ok {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	parts := []string{v}
	if rev != "" && !strings.Contains(v, shortRev(rev)) {
		parts = append(parts, shortRev(rev)+modified)
	}
	return strings.Join(append(parts, info.GoVersion), " ")
}

func shortRev(r string) string {
	if len(r) > 12 {
		return r[:12]
	}
	return r
}
