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

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
)

// ScoreCmd scores a CSV file, or a topic, with one served version of a
// model, without learning.
type ScoreCmd struct {
	Brokers
	Config      string        `required:"" type:"existingfile" help:"Pipeline config (YAML): its input section decodes the rows, its models name what can be served."`
	Model       string        `placeholder:"NAME[@VERSION|@pinned]" help:"Model to serve from the checkpoint registry: NAME (its newest version), NAME@VERSION, or NAME@pinned (the newest pinned one). Per-entity models: that version of each entity's key."`
	ModelFile   string        `type:"existingfile" help:"Serve a model exported by 'streamsgd models export' (JSON or Avro) instead: no broker needed for files."`
	Input       string        `type:"existingfile" placeholder:"FILE.csv" help:"CSV file to score."`
	Output      string        `placeholder:"FILE.csv" help:"Output CSV ('-': standard output): line, key, predicted, the probabilities (classification), label."`
	InputTopic  string        `help:"Topic to score (from its start to its end when the command starts), instead of --input."`
	OutputTopic string        `help:"Topic for the predictions (created if missing), in the pipeline's prediction records."`
	Evaluate    bool          `help:"Print whole-set metrics of the labeled rows at the end (accuracy, log loss, AUC; RMSE, MAE, R²)."`
	Rejects     string        `placeholder:"FILE.csv" help:"Write rejected rows to this CSV file (line, reason, row) instead of standard error."`
	Header      bool          `help:"The file's first line names its columns (overrides input.header and input.columns)."`
	Columns     []string      `help:"The file's columns, comma-separated (overrides input.columns)."`
	LabelColumn string        `help:"The file's label column. A pipeline with the label in the record key has none in a file: its rows are scored unlabeled without this flag."`
	Workers     int           `help:"Workers scoring chunks of the file (default: one per core)."`
	Quiet       bool          `help:"No progress bar (there is none either when standard error is not a terminal)."`
	Timeout     time.Duration `default:"30s" help:"Give up reading the registry after this long."`
}

// Run implements the command.
func (c *ScoreCmd) Run(ctx context.Context) error {
	if err := c.check(); err != nil {
		return err
	}
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	ms, what, err := c.models(ctx, p, sec)
	if err != nil {
		return err
	}
	rj, err := c.rejects()
	if err != nil {
		return err
	}
	bar := c.bar()
	var st batchscore.Stats
	if c.InputTopic != "" {
		st, err = c.topic(ctx, p, sec, ms, rj.on, bar)
	} else {
		st, err = c.file(ctx, p, ms, rj.on, bar)
	}
	bar.finish()
	if cerr := rj.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return c.report(st, what)
}

// check rejects combinations of flags that mean nothing.
func (c *ScoreCmd) check() error {
	switch {
	case c.Model == "" && c.ModelFile == "":
		return errors.New("give --model NAME[@VERSION|@pinned] or --model-file FILE")
	case c.Model != "" && c.ModelFile != "":
		return errors.New("give --model or --model-file, not both")
	case c.InputTopic == "" && (c.Input == "" || c.Output == ""):
		return errors.New("give --input FILE.csv and --output FILE.csv, or --input-topic and --output-topic")
	case c.InputTopic != "" && (c.OutputTopic == "" || c.Input != "" || c.Output != ""):
		return errors.New("--input-topic goes with --output-topic, not with --input or --output")
	case c.InputTopic == "" && c.OutputTopic != "":
		return errors.New("--output-topic goes with --input-topic")
	case c.InputTopic != "" && (c.Header || len(c.Columns) > 0 || c.LabelColumn != ""):
		return errors.New("--header, --columns and --label-column describe a file; a topic's records are decoded as the pipeline's")
	}
	return nil
}

// models loads what serves the rows, and says what it is.
func (c *ScoreCmd) models(ctx context.Context, p *topology.Pipeline, sec kafkaclient.Security) (*batchscore.Models, string, error) {
	if c.ModelFile != "" {
		return modelFile(p, c.ModelFile)
	}
	name, sel, err := registry.ParseModelRef(c.Model)
	if err != nil {
		return nil, "", err
	}
	spec, ok := p.Specs[name]
	if !ok {
		return nil, "", fmt.Errorf("model %q is not in %s (models: %s)", name, c.Config, strings.Join(modelNames(p), ", "))
	}
	opts, err := sec.Kgo()
	if err != nil {
		return nil, "", err
	}
	cl, err := registry.New(p, c.List(), opts...)
	if err != nil {
		return nil, "", err
	}
	defer cl.Close()
	rctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	regs, err := cl.ModelRegistries(rctx, name)
	if err != nil {
		return nil, "", err
	}
	if !spec.PerEntity() {
		v, err := sel.Pick(regs[name])
		if err != nil {
			return nil, "", fmt.Errorf("%w (see `streamsgd models list`)", err)
		}
		m, err := v.Restore()
		if err != nil {
			return nil, "", err
		}
		what := fmt.Sprintf("%s%s (version %d, %d rows learned)", name, sel, v.ID, v.Rows)
		return batchscore.Single(name, name, v.ID, m), what, nil
	}
	ms := batchscore.NewModels(name, true, spec.Model, "no version in the registry (see `streamsgd models list`)")
	served := 0
	for key, reg := range regs {
		v, err := sel.Pick(reg)
		if err != nil {
			ms.AddMissing(key, err)
			continue
		}
		ms.Add(key, v.ID, v.Restore)
		served++
	}
	what := fmt.Sprintf("%s%s (per entity: %d of %d keys have such a version)", name, sel, served, len(regs))
	return ms, what, nil
}

// modelFile loads an exported model: one key.
func modelFile(p *topology.Pipeline, path string) (*batchscore.Models, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	e, err := registry.ReadExport(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", asGiven(path), err)
	}
	m, err := e.Restore()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", asGiven(path), err)
	}
	if n := p.Config.FeatureCount(); n > 0 && n != m.Config().Features {
		return nil, "", fmt.Errorf("%s: the model has %d features, the pipeline's input %d", asGiven(path), m.Config().Features, n)
	}
	what := fmt.Sprintf("%s (key %s, version %d, %d rows learned)", asGiven(path), e.Key, e.Version, e.Rows)
	if spec, ok := p.Specs[e.Model]; ok && spec.PerEntity() {
		ms := batchscore.NewModels(e.Model, true, m.Config(), "the model file holds key "+e.Key+" only")
		ms.Add(e.Key, e.Version, func() (*model.Model, error) { return m, nil })
		return ms, what, nil
	}
	return batchscore.Single(e.Model, e.Key, e.Version, m), what, nil
}

func modelNames(p *topology.Pipeline) []string {
	var out []string
	for _, m := range p.Models {
		out = append(out, m.Name)
	}
	return out
}

// file scores --input into --output.
func (c *ScoreCmd) file(ctx context.Context, p *topology.Pipeline, ms *batchscore.Models, onReject func(batchscore.Reject), bar *rowBar) (batchscore.Stats, error) {
	spec, err := batchscore.FileSpec(p.Config.InputSpec(), batchscore.FileInput{Header: c.Header, Columns: c.Columns, LabelColumn: c.LabelColumn})
	if err != nil {
		return batchscore.Stats{}, err
	}
	in, err := os.Open(c.Input)
	if err != nil {
		return batchscore.Stats{}, err
	}
	defer in.Close()
	if sameFile(in, c.Output) {
		return batchscore.Stats{}, fmt.Errorf("--output %s is the input file", c.Output)
	}
	out, closeOut, err := c.output()
	if err != nil {
		return batchscore.Stats{}, err
	}
	st, err := batchscore.ScoreFile(ctx, in, out, batchscore.Options{
		Spec: spec, Models: ms, Workers: c.Workers, Evaluate: c.Evaluate, OnReject: onReject, Progress: bar.set,
	})
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return st, err
}

// sameFile reports whether path names the open file f.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// output opens --output ("-": standard output).
func (c *ScoreCmd) output() (io.Writer, func() error, error) {
	if c.Output == "-" {
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

// topic scores --input-topic into --output-topic.
func (c *ScoreCmd) topic(ctx context.Context, p *topology.Pipeline, sec kafkaclient.Security, ms *batchscore.Models, onReject func(batchscore.Reject), bar *rowBar) (batchscore.Stats, error) {
	opts, err := sec.Kgo()
	if err != nil {
		return batchscore.Stats{}, err
	}
	adm, cl, err := c.AdminWith(sec)
	if err != nil {
		return batchscore.Stats{}, err
	}
	err = operations.CreateTopic(ctx, adm, c.OutputTopic, int32(p.Config.Partitions), int16(p.Config.Replication))
	cl.Close()
	if err != nil {
		return batchscore.Stats{}, err
	}
	return batchscore.ScoreTopic(ctx, batchscore.TopicOptions{
		Brokers: c.List(), Kgo: opts, Input: c.InputTopic, Output: c.OutputTopic,
		Spec: p.Config.InputSpec(), Models: ms, Codec: p.PredictionCodec,
		Evaluate: c.Evaluate, OnReject: onReject, Progress: bar.set,
	})
}

// rejectSink is where rejected rows go: a CSV file, or standard error.
type rejectSink struct {
	on    func(batchscore.Reject)
	close func() error
}

func (c *ScoreCmd) rejects() (rejectSink, error) {
	return rejectsTo(c.Rejects, "score", c.InputTopic != "")
}

// rejectsTo is the sink of a command's rejected rows: the CSV file path,
// or standard error when path is empty; topic: the rows are a topic's.
func rejectsTo(path, command string, topic bool) (rejectSink, error) {
	if path == "" {
		return rejectSink{
			on: func(r batchscore.Reject) {
				fmt.Fprintf(os.Stderr, "streamsgd %s: rejected %s: %s\n", command, r.Where(), r.Reason)
			},
			close: func() error { return nil },
		}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return rejectSink{}, err
	}
	w := bufio.NewWriter(f)
	on, flush := batchscore.RejectsCSV(w, topic)
	return rejectSink{on: on, close: func() error { return errors.Join(flush(), w.Flush(), f.Close()) }}, nil
}

// report prints the summary line and, with --evaluate, the metrics: on
// standard output, unless the predictions are written there.
func (c *ScoreCmd) report(st batchscore.Stats, what string) error {
	src, dst := asGiven(c.Input), c.Output
	if c.InputTopic != "" {
		src, dst = c.InputTopic, c.OutputTopic
	}
	if dst == "-" {
		dst = "standard output"
	}
	fmt.Fprintf(os.Stderr, "scored %s with %s into %s: %d rows, %d scored, %d rejected%s in %.2fs (%.0f rows/s)\n",
		src, what, dst, st.Rows, st.Scored, st.Rejected, rejectedTo(c.Rejects, st.Rejected), st.Elapsed.Seconds(), st.RowsPerSecond())
	if !c.Evaluate {
		return nil
	}
	w := io.Writer(os.Stdout)
	if c.Output == "-" {
		w = os.Stderr
	}
	return writeMetrics(w, st.Metrics, st.Labeled)
}

func rejectedTo(file string, n int64) string {
	if n == 0 || file == "" {
		return ""
	}
	return " (in " + file + ")"
}

// writeMetrics prints the whole-set metrics, one per line.
func writeMetrics(w io.Writer, ms []metrics.Value, labeled int64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\n", m.Name, metricText(m.Value))
	}
	fmt.Fprintf(tw, "rows\t%d labeled\n", labeled)
	return tw.Flush()
}

// rowBar is a progress bar of rows and rows/s on standard error, when it
// is a terminal.
type rowBar struct{ bar *progressbar.ProgressBar }

func (c *ScoreCmd) bar() *rowBar {
	if c.Quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return &rowBar{}
	}
	return &rowBar{bar: progressbar.NewOptions64(-1,
		progressbar.OptionSetDescription("scored"),
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (b *rowBar) set(rows int64) {
	if b.bar != nil {
		b.bar.Set64(rows)
	}
}

func (b *rowBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
	}
}
