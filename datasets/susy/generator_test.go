package susy

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// goldenRows renders the first n rows of seed as "label<TAB>csv" lines.
func goldenRows(seed uint64, n int) []byte {
	g := New(seed)
	var out []byte
	for range n {
		var line []byte
		var label int
		line, label = g.AppendCSV(line)
		out = fmt.Appendf(out, "%d\t%s\n", label, line)
	}
	return out
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		seed uint64
	}{
		{"seed1", 1},
		{"seed42", 42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name+".golden")
			got := goldenRows(tc.seed, 3)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("rows differ from %s:\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	tests := []struct {
		name        string
		seedA       uint64
		seedB       uint64
		wantSameCSV bool
	}{
		{"same_seed", 7, 7, true},
		{"seed_zero", 0, 0, true},
		{"different_seeds", 7, 8, false},
		{"adjacent_large", 1 << 63, 1<<63 + 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := goldenRows(tc.seedA, 1000), goldenRows(tc.seedB, 1000)
			if got := bytes.Equal(a, b); got != tc.wantSameCSV {
				t.Errorf("equal output = %v, want %v", got, tc.wantSameCSV)
			}
		})
	}
}

func TestBayesAccuracy(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 200_000
	}
	tests := []struct {
		name string
		seed uint64
	}{
		{"seed1", 1},
		{"seed2", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acc := BayesAccuracy(tc.seed, n)
			t.Logf("Bayes accuracy over %d rows: %.4f", n, acc)
			if acc < 0.79 || acc > 0.81 {
				t.Errorf("BayesAccuracy(%d, %d) = %.4f, want in [0.79, 0.81]", tc.seed, n, acc)
			}
		})
	}
}

func TestBayesAccuracyEmpty(t *testing.T) {
	for _, n := range []int{-1, 0} {
		if got := BayesAccuracy(1, n); got != 0 {
			t.Errorf("BayesAccuracy(1, %d) = %v, want 0", n, got)
		}
	}
}

// TestCSVMatchesNext checks that the CSV parses back to exactly the features
// Next returns for the same seed, with the same label.
func TestCSVMatchesNext(t *testing.T) {
	gCSV, gNext := New(3), New(3)
	var x [Features]float64
	for i := range 10_000 {
		line, label := gCSV.AppendCSV(nil)
		wantLabel, p := gNext.Next(x[:])
		if label != wantLabel {
			t.Fatalf("row %d: CSV label %d, Next label %d", i, label, wantLabel)
		}
		if p <= 0 || p >= 1 || math.IsNaN(p) {
			t.Fatalf("row %d: p = %v, want in (0, 1)", i, p)
		}
		fields := strings.Split(string(line), ",")
		if len(fields) != Features {
			t.Fatalf("row %d: %d fields, want %d", i, len(fields), Features)
		}
		for j, f := range fields {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || v != x[j] {
				t.Fatalf("row %d field %d: %q parses to %v (%v), Next gave %v", i, j, f, v, err, x[j])
			}
		}
	}
}

// TestShape checks the data set's documented shape: balance, positive
// features, correlation between low- and high-level features.
func TestShape(t *testing.T) {
	const n = 100_000
	g := New(5)
	var x [Features]float64
	var pos float64
	var m stats
	for range n {
		label, _ := g.Next(x[:])
		pos += float64(label)
		m.add(x[:])
	}
	if rate := pos / n; rate < 0.43 || rate > 0.49 {
		t.Errorf("positive rate %.3f, want about 0.46", rate)
	}
	tests := []struct {
		name    string
		a, b    int
		minCorr float64
	}{
		{"lepton_pts", 0, 3, 0.2},
		{"met_metrel", 6, 8, 0.5},
		{"mr_sr", 10, 14, 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := m.corr(tc.a, tc.b); c < tc.minCorr {
				t.Errorf("corr(f%d, f%d) = %.3f, want >= %.2f", tc.a, tc.b, c, tc.minCorr)
			}
		})
	}
	for _, j := range []int{0, 3, 6, 8, 10, 11, 13, 14, 15} {
		if m.min[j] < 0 {
			t.Errorf("f%d has negative value %v, want a positive (kinematic) feature", j, m.min[j])
		}
	}
}

func TestFeatureNames(t *testing.T) {
	names := FeatureNames()
	if len(names) != Features || names[0] != "f0" || names[17] != "f17" {
		t.Errorf("FeatureNames() = %v", names)
	}
}

// stats accumulates means, cross products and minima.
type stats struct {
	n   float64
	sum [Features]float64
	sxy [Features][Features]float64
	min [Features]float64
}

func (s *stats) add(x []float64) {
	if s.n == 0 {
		copy(s.min[:], x)
	}
	s.n++
	for i, v := range x {
		s.sum[i] += v
		s.min[i] = min(s.min[i], v)
		for j, w := range x {
			s.sxy[i][j] += v * w
		}
	}
}

func (s *stats) corr(a, b int) float64 {
	ma, mb := s.sum[a]/s.n, s.sum[b]/s.n
	cov := s.sxy[a][b]/s.n - ma*mb
	va := s.sxy[a][a]/s.n - ma*ma
	vb := s.sxy[b][b]/s.n - mb*mb
	return cov / math.Sqrt(va*vb)
}
