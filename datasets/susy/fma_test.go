package susy

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestNoFusedMultiplyAdd compiles the package for architectures whose
// compiler fuses x*y+z (amd64 with GOAMD64=v3, arm64) and fails if any
// multiply-add was fused: a fused instruction rounds once instead of twice,
// so the same seed would give different rows on different machines. Every
// product that feeds a sum must be wrapped in float64(...) to stay portable.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the package; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	tests := []struct {
		name  string
		env   []string
		fused *regexp.Regexp
	}{
		{"amd64_v3", []string{"GOARCH=amd64", "GOAMD64=v3"}, regexp.MustCompile(`\(([^)]*\.go:\d+)\)\s+VFN?M(ADD|SUB)\w*`)},
		{"arm64", []string{"GOARCH=arm64"}, regexp.MustCompile(`\(([^)]*\.go:\d+)\)\s+FN?M(ADD|SUB)D\b`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(goTool, "build", "-gcflags=-S", "-o", os.DevNull, ".")
			cmd.Env = append(os.Environ(), tc.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			for _, m := range tc.fused.FindAllSubmatch(out, -1) {
				t.Errorf("fused multiply-add at %s", m[1])
			}
		})
	}
}
