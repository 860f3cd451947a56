package main

import (
	"os"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/topology"
)

// TestPeersData: the data files and configs of the peers benchmark: the
// CSV and VW files hold the same rows, and each config builds a pipeline
// whose input decodes the CSV.
func TestPeersData(t *testing.T) {
	dir := t.TempDir()
	sets, err := writeDataSets(dir, 200, 30)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range sets {
		csv, err := os.ReadFile(d.path("train", "csv"))
		if err != nil {
			t.Fatal(err)
		}
		vw, err := os.ReadFile(d.path("train", "vw"))
		if err != nil {
			t.Fatal(err)
		}
		cl, vl := strings.Split(strings.TrimSpace(string(csv)), "\n"), strings.Split(strings.TrimSpace(string(vw)), "\n")
		if int64(len(cl)) != d.trainRows || len(vl) != len(cl) {
			t.Fatalf("%s: %d CSV lines, %d VW lines, want %d", d.name, len(cl), len(vl), d.trainRows)
		}
		for i := range cl {
			label, _, _ := strings.Cut(cl[i], ",")
			vlabel, _, _ := strings.Cut(vl[i], " ")
			want := map[string]string{"0": "-1", "1": "1"}[label]
			if d.classes > 2 {
				want = string(rune('1' + (label[0] - '0')))
				if label == "9" {
					want = "10"
				}
			}
			if vlabel != want {
				t.Fatalf("%s line %d: CSV label %s, VW label %s", d.name, i+1, label, vlabel)
			}
		}
		s := peerSet{dataSet: d, lr: 0.01, model: "m"}
		path, err := s.writeConfig()
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := topology.Build(cfg)
		if err != nil {
			t.Fatal(err)
		}
		rows, bad, err := p.Route.Decoder.Decode(nil, []byte(cl[0]), nil)
		if err != nil || len(bad) > 0 || len(rows) != 1 || len(rows[0].Features) != d.features {
			t.Fatalf("%s: decoding a CSV line: %v %v %v", d.name, rows, bad, err)
		}
	}
}

func TestPeersTableRatio(t *testing.T) {
	sgd := &peerRow{set: "s", path: "file", system: "streamsgd", rows: 1000, seconds: 1}
	peer := &peerRow{set: "s", path: "file", system: "River", rows: 100, seconds: 1, cpu: 0.5, base: sgd}
	tab := peersTable([]*peerRow{sgd, peer})
	if strings.Contains(tab, "5000.00x") {
		t.Errorf("a CPU ratio without streamsgd's CPU:\n%s", tab)
	}
	sgd.cpu = 0.001
	tab = peersTable([]*peerRow{sgd, peer})
	if !strings.Contains(tab, "| River | 100 | 100 | 5000.00 |") || !strings.Contains(tab, "| 10.00x | 5000.00x |") {
		t.Errorf("table:\n%s", tab)
	}
}
