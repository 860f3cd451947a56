// Command quality-figures is streamsgd's side of the peer suite
// (scripts/peers/quality.py, `make quality`): it runs the suite's protocol
// (package datasets/quality) with streamsgd's defaults on every data set and
// writes the figures as JSON (a list in the suite's order), and writes the SUSY rows it learns from as
// CSV files so that the peers learn from the very same rows.
//
//	go run ./datasets/quality/cmd/quality-figures -data examples/data -susy DIR -out FILE
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/streamsgd/streamsgd/datasets/quality"
)

// Figures is one data set's entry of the output: the suite's definition
// of it (which the script takes from here rather than spelling it again)
// and streamsgd's score.
type Figures struct {
	Name    string        `json:"name"`
	File    string        `json:"file"` // empty for SUSY
	Task    string        `json:"task"`
	Classes int           `json:"classes"`
	Seeds   int           `json:"seeds"`
	Metric  string        `json:"metric"`
	Score   quality.Score `json:"streamsgd"`
}

func main() {
	data := flag.String("data", filepath.Join("examples", "data"), "directory of the data sets' CSV files")
	susyDir := flag.String("susy", "", "write the SUSY train and held-out rows here as susy_train.csv and susy_test.csv (none if empty)")
	out := flag.String("out", "", "write the figures here as JSON (standard output if empty)")
	flag.Parse()
	if err := run(*data, *susyDir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "quality-figures:", err)
		os.Exit(1)
	}
}

func run(data, susyDir, out string) error {
	var figs []Figures
	for _, d := range quality.Suite() {
		train, test, err := d.Load(data)
		if err != nil {
			return err
		}
		if d.File == "" && susyDir != "" {
			if err := writeCSV(filepath.Join(susyDir, "susy_train.csv"), train); err != nil {
				return err
			}
			if err := writeCSV(filepath.Join(susyDir, "susy_test.csv"), test); err != nil {
				return err
			}
		}
		s, err := d.RunDefaults(train, test)
		if err != nil {
			return err
		}
		figs = append(figs, Figures{
			Name: d.Name, File: d.File, Task: string(d.Task), Classes: d.Classes, Seeds: d.Seeds,
			Metric: d.Metric(), Score: s,
		})
	}
	b, err := json.MarshalIndent(figs, "", "  ")
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	b = append(b, '\n')
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

// writeCSV writes t with a header (the feature names, then target), every
// number in strconv's shortest round-tripping form.
func writeCSV(path string, t *quality.Table) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, strings.Join(append(append([]string(nil), t.Features...), "target"), ","))
	var b []byte
	for i, x := range t.X {
		b = b[:0]
		for _, v := range x {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, t.Y[i], 'g', -1, 64)
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return w.Flush()
}
