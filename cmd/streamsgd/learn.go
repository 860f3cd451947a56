package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/filelearn"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// LearnCmd learns a pipeline's models from a CSV file, without Kafka.
type LearnCmd struct {
	Config      string   `required:"" type:"existingfile" help:"Pipeline config (YAML): its input section decodes the rows, its models are learned."`
	Input       string   `required:"" type:"existingfile" placeholder:"FILE" help:"CSV file (an Avro Object Container File for an Avro pipeline) to learn from, one pass in file order: each row is predicted, then learned (prequential)."`
	Model       []string `placeholder:"NAME" help:"Learn only these models (default: every model of the pipeline)."`
	Output      string   `placeholder:"FILE.csv" help:"Write the prequential predictions ('-': standard output): line, key, predicted, the probabilities, label."`
	Test        string   `type:"existingfile" placeholder:"FILE" help:"Held-out file (as --input): scored with the learned models, without learning; its metrics are printed."`
	Save        string   `placeholder:"DIR" help:"Write each learned model key to DIR as an export (as 'streamsgd models export'; 'streamsgd score --model-file' serves it)."`
	Format      string   `enum:"json,avro" default:"json" help:"Format of --save: json or avro."`
	Rejects     string   `placeholder:"FILE.csv" help:"Write rejected rows to this CSV file (line, reason, row) instead of standard error."`
	Header      bool     `help:"The files' first line names their columns (overrides input.header and input.columns)."`
	Columns     []string `help:"The files' columns, comma-separated (overrides input.columns)."`
	LabelColumn string   `help:"The files' label column (a pipeline with the label in the record key has none in a file)."`
	Workers     int      `help:"Workers decoding chunks of the file ahead of the learner (default: one per core)."`

	stdout io.Writer // the report's destination; nil: os.Stdout (tests set it)
}

// Run implements the command.
func (c *LearnCmd) Run(ctx context.Context) error {
	p, err := loadPipeline(c.Config)
	if err != nil {
		return err
	}
	specs, err := c.models(p)
	if err != nil {
		return err
	}
	spec, err := c.fileSpec(p.Config.InputSpec())
	if err != nil {
		return err
	}
	if c.Output != "" && len(specs) > 1 {
		return fmt.Errorf("--output holds one model's predictions: pick it with --model (the pipeline has %d)", len(specs))
	}
	if err := c.notInput(); err != nil {
		return err
	}
	rj, err := rejectsTo(c.Rejects, "learn", false)
	if err != nil {
		return err
	}
	out, closeOut, err := c.output()
	if err != nil {
		return errors.Join(err, rj.close())
	}
	l, err := filelearn.New(filelearn.Options{Models: specs, Output: out, Labeled: spec.Label != input.LabelFromNone, OnReject: rj.on})
	if err != nil {
		return errors.Join(err, closeOut(), rj.close())
	}
	st, err := c.learn(ctx, spec, l, out, specs, rj.on)
	err = errors.Join(err, closeOut(), rj.close())
	if err != nil {
		return err
	}
	rs := l.Results()
	report := c.stdout
	if report == nil {
		report = os.Stdout
	}
	if c.Output == "-" {
		report = os.Stderr
	}
	if err := c.report(report, st, rs); err != nil {
		return err
	}
	if err := nothingLearned(st, rs); err != nil {
		return err
	}
	if c.Test != "" {
		if err := c.heldOut(ctx, report, spec, rs); err != nil {
			return err
		}
	}
	return c.save(report, rs)
}

// nothingLearned is an error when the file had rows and a model took
// none of them: every row rejected (labels of another encoding, another
// width) is a file or config mistake, not a result.
func nothingLearned(st batchscore.Stats, rs []filelearn.Result) error {
	for _, r := range rs {
		if st.Rows > 0 && r.Predicted == 0 {
			return fmt.Errorf("model %s took none of the %d rows: %d rejected by the decoder, %d by the model (the reasons are above, or in --rejects)",
				r.Spec.Name, st.Rows, st.Rejected, r.Rejected)
		}
	}
	return nil
}

// models are the specs of the models to learn.
func (c *LearnCmd) models(p *topology.Pipeline) ([]processors.ModelSpec, error) {
	if len(c.Model) == 0 {
		return p.Models, nil
	}
	var out []processors.ModelSpec
	for _, name := range c.Model {
		s, ok := p.Specs[name]
		if !ok {
			return nil, fmt.Errorf("--model %q is not in %s (models: %s)", name, c.Config, strings.Join(modelNames(p), ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// notInput refuses an --output or --rejects that would overwrite an input
// file (they are created before the pass).
func (c *LearnCmd) notInput() error {
	for _, out := range []struct{ flag, path string }{{"--output", c.Output}, {"--rejects", c.Rejects}} {
		if out.path == "" || out.path == "-" {
			continue
		}
		for _, in := range []string{c.Input, c.Test} {
			if in != "" && samePath(in, out.path) {
				return fmt.Errorf("%s %s is an input file", out.flag, out.path)
			}
		}
	}
	return nil
}

func samePath(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// learn makes one pass over --input; the rows that do not decode go to
// onReject, as the rows a model refuses do (filelearn.Options.OnReject).
func (c *LearnCmd) learn(ctx context.Context, spec input.Spec, l *filelearn.Learner, out io.Writer, specs []processors.ModelSpec, onReject func(batchscore.Reject)) (batchscore.Stats, error) {
	in, err := os.Open(c.Input)
	if err != nil {
		return batchscore.Stats{}, err
	}
	defer in.Close()
	if out != nil {
		m := specs[0].Model
		if _, err := out.Write(batchscore.Header(m.Task, outputsOf(m), spec.Label != input.LabelFromNone)); err != nil {
			return batchscore.Stats{}, err
		}
	}
	return decodeFile(ctx, in, spec, batchscore.Options{Spec: spec, Workers: c.Workers, OnReject: onReject}, l.Learn)
}

// fileSpec adapts the pipeline's input spec to the files: CSV, or Avro
// Object Container Files for an Avro pipeline.
func (c *LearnCmd) fileSpec(s input.Spec) (input.Spec, error) {
	s.EnsureDefaults()
	if s.Format != input.FormatAvro {
		return batchscore.FileSpec(s, batchscore.FileInput{Header: c.Header, Columns: c.Columns, LabelColumn: c.LabelColumn})
	}
	if c.Header || len(c.Columns) > 0 {
		return s, errors.New("--header and --columns describe CSV files; an Avro container carries its schema")
	}
	return batchscore.OCFSpec(s, c.LabelColumn)
}

// decodeFile decodes a CSV file or an Avro container, as spec says.
func decodeFile(ctx context.Context, r io.Reader, spec input.Spec, o batchscore.Options, fn func(*batchscore.Decoded) error) (batchscore.Stats, error) {
	if spec.Format == input.FormatAvro {
		return batchscore.DecodeOCF(ctx, r, spec, o, fn)
	}
	return batchscore.DecodeFile(ctx, r, o, fn)
}

func outputsOf(m model.Config) int {
	if m.Task == model.TaskMulticlass {
		return m.Classes
	}
	return 1
}

// output opens --output ("-": standard output); nil without one.
func (c *LearnCmd) output() (io.Writer, func() error, error) {
	switch c.Output {
	case "":
		return nil, func() error { return nil }, nil
	case "-":
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		return w, w.Flush, nil
	}
	f, err := os.Create(c.Output)
	if err != nil {
		return nil, nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	return w, func() error { return errors.Join(w.Flush(), f.Close()) }, nil
}

// report prints the pass: rows, rows/s, and each model's prequential
// metrics over every row and its rolling window's (a global model's, as
// the learn group's snapshots report it).
func (c *LearnCmd) report(w io.Writer, st batchscore.Stats, rs []filelearn.Result) error {
	fmt.Fprintf(w, "learned %s: %d rows, %d rejected by the decoder%s in %.2fs (%.0f rows/s)\n",
		asGiven(c.Input), st.Rows, st.Rejected, rejectedTo(c.Rejects, st.Rejected), st.Elapsed.Seconds(), st.RowsPerSecond())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rs {
		fmt.Fprintf(tw, "model %s\t%d keys, %d predicted, %d learned, %d rejected\n", r.Spec.Name, len(r.States), r.Predicted, r.Learned, r.Rejected)
		writeValues(tw, "prequential", r.Prequential)
		if !r.Spec.PerEntity() {
			st := r.States[r.Spec.Name]
			writeValues(tw, fmt.Sprintf("window (last %d)", st.Window.Rows()), st.Window.Values())
		}
		writeEvents(tw, r.Events)
	}
	return tw.Flush()
}

// maxEventLines bounds the drift events learn prints per model.
const maxEventLines = 20

// writeEvents prints a model's drift events, the first maxEventLines.
func writeEvents(w io.Writer, events []filelearn.Event) {
	for i, e := range events {
		if i == maxEventLines {
			fmt.Fprintf(w, "  ... and %d more drift events\n", len(events)-i)
			return
		}
		fmt.Fprintf(w, "  %s\tkey %s, line %d (its row %d)\n", e.Kind, e.Key, e.Line, e.Row)
	}
}

func writeValues(w io.Writer, what string, vs []metrics.Value) {
	for _, v := range vs {
		fmt.Fprintf(w, "  %s %s\t%s\n", what, v.Name, metricText(v.Value))
	}
}

// heldOut scores --test with every learned model and prints its metrics.
func (c *LearnCmd) heldOut(ctx context.Context, w io.Writer, spec input.Spec, rs []filelearn.Result) error {
	if spec.Format == input.FormatAvro {
		return c.heldOutOCF(ctx, w, spec, rs)
	}
	for _, r := range rs {
		f, err := os.Open(c.Test)
		if err != nil {
			return err
		}
		st, err := batchscore.ScoreFile(ctx, f, io.Discard, batchscore.Options{Spec: spec, Models: r.Served(), Workers: c.Workers, Evaluate: true})
		f.Close()
		if err != nil {
			return fmt.Errorf("--test %s: %w", c.Test, err)
		}
		fmt.Fprintf(w, "held out %s, model %s: %d rows, %d scored, %d rejected\n", asGiven(c.Test), r.Spec.Name, st.Rows, st.Scored, st.Rejected)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		writeValues(tw, "held-out", st.Metrics)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// heldOutOCF scores the Avro container --test with every learned model
// (filelearn.Evaluate) and prints its metrics.
func (c *LearnCmd) heldOutOCF(ctx context.Context, w io.Writer, spec input.Spec, rs []filelearn.Result) error {
	f, err := os.Open(c.Test)
	if err != nil {
		return err
	}
	defer f.Close()
	var evals []filelearn.Evaluation
	st, err := batchscore.DecodeOCF(ctx, f, spec, batchscore.Options{}, func(d *batchscore.Decoded) error {
		for _, r := range rs {
			evals = append(evals, r.Evaluate(d.Rows))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("--test %s: %w", c.Test, err)
	}
	for i, r := range rs {
		e := evals[i]
		fmt.Fprintf(w, "held out %s, model %s: %d rows, %d scored, %d rejected\n", asGiven(c.Test), r.Spec.Name, st.Rows, e.Scored, st.Rows-e.Scored)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		writeValues(tw, "held-out", e.Metrics)
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// save writes every learned key to --save.
func (c *LearnCmd) save(w io.Writer, rs []filelearn.Result) error {
	if c.Save == "" {
		return nil
	}
	at := time.Now()
	n := 0
	for _, r := range rs {
		files, err := filelearn.Save(c.Save, c.Format, r, at)
		n += len(files)
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "saved %d model keys in %s (%s)\n", n, c.Save, c.Format)
	return nil
}
