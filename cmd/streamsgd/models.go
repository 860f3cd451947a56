package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ModelsCmd reads and changes the checkpoint registry of a pipeline: the
// versions of every model key, kept by the checkpoint group of `run`.
type ModelsCmd struct {
	List   ModelsListCmd   `cmd:"" help:"List the versions of every model key."`
	Show   ModelsShowCmd   `cmd:"" help:"Show one version (default: the newest) of a model key."`
	Export ModelsExportCmd `cmd:"" help:"Export one version (default: the newest), or with --live the current state, as JSON or Avro."`
	Pin    ModelsPinCmd    `cmd:"" help:"Pin a version: it is kept by retention and is the one to serve."`
	Unpin  ModelsUnpinCmd  `cmd:"" help:"Unpin a version (retention may then drop it)."`
}

// modelsFlags are the flags every models command takes.
type modelsFlags struct {
	Brokers
	Config  string        `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	Timeout time.Duration `default:"30s" help:"Give up reading the registry (or waiting for a pin to apply) after this long."`
}

// Explain adds the SASL hint of the config's security with the flags over
// it (the security the command connected with) to err.
func (f *modelsFlags) Explain(err error) error {
	_, sec, serr := f.Pipeline(f.Config)
	if serr != nil {
		return err
	}
	return sec.Explain(err)
}

// open loads the pipeline and connects a registry client.
func (f *modelsFlags) open() (*registry.Client, *topology.Pipeline, error) {
	p, sec, err := f.Pipeline(f.Config)
	if err != nil {
		return nil, nil, err
	}
	opts, err := sec.Kgo()
	if err != nil {
		return nil, nil, err
	}
	c, err := registry.New(p, f.List(), opts...)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

// version reads the registry of key and picks version id (0: the newest).
func (f *modelsFlags) version(ctx context.Context, key string, id int64) (*table.Registry, *table.Version, *topology.Pipeline, error) {
	c, p, err := f.open()
	if err != nil {
		return nil, nil, nil, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	reg, err := c.Registry(ctx, key)
	if err != nil {
		return nil, nil, nil, err
	}
	if reg == nil || len(reg.Versions) == 0 {
		return nil, nil, nil, fmt.Errorf("key %q has no versions in %s (see `streamsgd models list`)", key, c.Table())
	}
	v := reg.Latest()
	if id != 0 {
		if v = reg.Version(id); v == nil {
			return nil, nil, nil, fmt.Errorf("key %q has no version %d (kept: %s)", key, id, reg.IDs())
		}
	}
	return reg, v, p, nil
}

// ModelsListCmd lists versions.
type ModelsListCmd struct {
	modelsFlags
	Model  string `help:"Only the keys of this model."`
	Latest bool   `help:"Only the newest version of each key."`
}

// Run implements the command.
func (c *ModelsListCmd) Run(ctx context.Context) error {
	cl, p, err := c.open()
	if err != nil {
		return err
	}
	defer cl.Close()
	rctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	regs, err := cl.Summaries(rctx, c.Model)
	if err != nil {
		return err
	}
	return writeList(os.Stdout, p, regs, c.Model, c.Latest)
}

// writeList prints the versions as a table, then what the registry could
// not do.
func writeList(w io.Writer, p *topology.Pipeline, regs map[string]*table.Registry, model string, latest bool) error {
	keys := make([]string, 0, len(regs))
	for k, r := range regs {
		if model == "" || r.Model == model {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVERSION\tTIME (UTC)\tROWS\tMETRICS\tCONFIG\tPINNED")
	var notes []string
	stale := false
	for _, k := range keys {
		r := regs[k]
		vs := r.Versions
		if latest && len(vs) > 0 {
			vs = vs[len(vs)-1:]
		}
		for _, v := range vs {
			hash := v.ConfigHash
			if spec, ok := p.Specs[r.Model]; ok && spec.ConfigHash != v.ConfigHash {
				hash += "*"
				stale = true
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\n", k, v.ID, v.Time.UTC().Format(time.DateTime), v.Rows,
				metricsText(v.Metrics), hash, yes(v.Pinned, "pinned", ""))
		}
		notes = append(notes, registryNotes(r)...)
		notes = append(notes, replacementNotes(r, vs)...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintf(w, "(no versions yet%s)\n", map[bool]string{true: " of model " + model, false: ""}[model != ""])
	}
	if stale {
		fmt.Fprintln(w, "* made under another config than the current one")
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

// registryNotes says what the checkpoint group could not do for a key.
func registryNotes(r *table.Registry) []string {
	var out []string
	if r.Skipped > 0 {
		out = append(out, fmt.Sprintf("%s: %d state(s) not versioned; last reason: %s", r.Key, r.Skipped, r.SkipReason))
	}
	if r.Trimmed > 0 {
		out = append(out, fmt.Sprintf("%s: %d version(s) dropped early to fit one table record", r.Key, r.Trimmed))
	}
	return out
}

// replacementNotes says which of the versions shown, vs, were made because
// a background learner replaced the model: those with more replacements
// than the version before them in r (the first: more than none).
func replacementNotes(r *table.Registry, vs []table.Version) []string {
	var out []string
	for _, v := range vs {
		var before int64
		for _, u := range r.Versions {
			if u.ID < v.ID {
				before = u.Replacements
			}
		}
		if v.Replacements > before {
			out = append(out, fmt.Sprintf("%s: version %d: a background learner replaced the model after a drift (replacement %d; see <p>.events)", r.Key, v.ID, v.Replacements))
		}
	}
	return out
}

func metricsText(ms []metrics.Value) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		v := "-"
		if !math.IsNaN(m.Value) {
			v = strconv.FormatFloat(m.Value, 'f', 4, 64)
		}
		parts[i] = m.Name + "=" + v
	}
	return strings.Join(parts, " ")
}

func yes(b bool, t, f string) string {
	if b {
		return t
	}
	return f
}

// ModelsShowCmd shows one version.
type ModelsShowCmd struct {
	modelsFlags
	Key     string `arg:"" help:"Model key: the model name, or <model>/<entity> for per-entity models."`
	Version int64  `arg:"" optional:"" help:"Version (default: the newest)."`
}

// Run implements the command.
func (c *ModelsShowCmd) Run(ctx context.Context) error {
	reg, v, p, err := c.version(ctx, c.Key, c.Version)
	if err != nil {
		return err
	}
	e, err := registry.NewExport(reg, v)
	if err != nil {
		return err
	}
	return writeShow(os.Stdout, p, reg, e)
}

func writeShow(w io.Writer, p *topology.Pipeline, reg *table.Registry, e *registry.Export) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, f string, a ...any) { fmt.Fprintf(tw, "%s\t"+f+"\n", append([]any{k}, a...)...) }
	row("model", "%s", e.Model)
	row("key", "%s", e.Key)
	row("version", "%d (kept: %s; newest %d)", e.Version, reg.IDs(), reg.LastID)
	row("time", "%s", e.Time.UTC().Format(time.RFC3339Nano))
	row("rows", "%d learned, %d dead-lettered", e.Rows, e.Invalid)
	ms := make([]metrics.Value, len(e.Metrics))
	for i, m := range e.Metrics {
		ms[i] = metrics.Value{Name: m.Name, Value: m.Value}
	}
	row("metrics", "%s (last %d rows)", metricsText(ms), e.Window)
	cur := "model not in the current config"
	if spec, ok := p.Specs[e.Model]; ok {
		cur = yes(spec.ConfigHash == e.ConfigHash, "same as the current config", "the current config's is "+spec.ConfigHash)
	}
	row("config hash", "%s (%s)", e.ConfigHash, cur)
	row("pinned", "%s", yes(e.Pinned, "yes", "no"))
	pm := e.Params
	loss := ""
	if pm.Loss != "" {
		loss = " (" + pm.Loss + ")"
	}
	row("learner", "%s %s%s, %s, %d features, %d output(s)%s", pm.Task, pm.Learner, loss, pm.Optimizer, pm.Features, pm.Outputs,
		yes(pm.Standardize, ", standardised features", ""))
	row("weights", "%s", floatsText(pm.Weights, 24))
	row("biases", "%s", floatsText(pm.Biases, 24))
	if pm.Standardize {
		row("mean", "%s", floatsText(pm.Mean, 24))
		row("1/sd", "%s", floatsText(pm.InvSD, 24))
	}
	row("state", "%d bytes (exported with `streamsgd models export`)", len(pm.State))
	for _, cmd := range reg.Commands {
		row("command", "%s %s %d: %s (%s)", cmd.Time.UTC().Format(time.DateTime), cmd.Op, cmd.Version, cmd.Message,
			yes(cmd.OK, "applied", "rejected"))
	}
	for _, n := range registryNotes(reg) {
		row("note", "%s", n)
	}
	return tw.Flush()
}

func floatsText(fs []float64, max int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range fs {
		if i == max {
			fmt.Fprintf(&b, " ... (%d in all)", len(fs))
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(f, 'g', 6, 64))
	}
	b.WriteByte(']')
	return b.String()
}

// ModelsExportCmd exports one version.
type ModelsExportCmd struct {
	modelsFlags
	Key     string `arg:"" help:"Model key."`
	Version int64  `arg:"" optional:"" help:"Version (default: the newest)."`
	Live    bool   `help:"Export the key's current state in the learn table (a sharded model's merged one in the merge table), not a version: version 0 in the export."`
	Format  string `default:"json" enum:"json,avro" help:"json: one JSON object; avro: an Avro Object Container File with one record of schemas/model_version.avsc."`
	Output  string `short:"o" help:"Write to this file instead of standard output."`
}

// Run implements the command.
func (c *ModelsExportCmd) Run(ctx context.Context) error {
	var e *registry.Export
	var err error
	if c.Live {
		if c.Version != 0 {
			return fmt.Errorf("--live exports the current state, not version %d: drop one of them", c.Version)
		}
		e, err = c.live(ctx)
	} else {
		var reg *table.Registry
		var v *table.Version
		if reg, v, _, err = c.version(ctx, c.Key, c.Version); err == nil {
			e, err = registry.NewExport(reg, v)
		}
	}
	if err != nil {
		return err
	}
	if c.Output == "" {
		return registry.Write(os.Stdout, e, c.Format)
	}
	f, err := os.Create(c.Output)
	if err != nil {
		return err
	}
	if err := registry.Write(f, e, c.Format); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	what := fmt.Sprintf("version %d", e.Version)
	if c.Live {
		what = "live state"
	}
	fmt.Fprintf(os.Stderr, "%s %s (%d rows) written to %s (%s)\n", e.Key, what, e.Rows, c.Output, c.Format)
	return nil
}

// live reads the key's current state from the table that holds it (the
// learn table; a sharded global model's merged state is in the merge
// table, its learn table holding the shards) and exports it as version 0,
// timed by its record.
func (c *ModelsExportCmd) live(ctx context.Context) (*registry.Export, error) {
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return nil, err
	}
	opts, err := sec.Kgo()
	if err != nil {
		return nil, err
	}
	spec, topic, err := liveTable(p, c.Key)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	var value []byte
	var at time.Time
	err = operations.ScanTable(ctx, c.List(), opts, topic, func(r *kgo.Record) error {
		if string(r.Key) == c.Key {
			value, at = r.Value, r.Timestamp
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if value == nil {
		return nil, fmt.Errorf("key %q has no state in %s (see `streamsgd models list` for the keys)", c.Key, topic)
	}
	return liveExport(p, spec, c.Key, value, at)
}

// liveTable returns the spec of key's model and the table topic that holds
// key's current state: the merge table for the merged model of a sharded
// global model, else the learn table (where its shards' states are).
func liveTable(p *topology.Pipeline, key string) (processors.ModelSpec, string, error) {
	name, _, _ := strings.Cut(key, "/")
	spec, ok := p.Specs[name]
	if !ok {
		return spec, "", fmt.Errorf("key %q: model %q is not in the pipeline config", key, name)
	}
	if spec.MergedKey(key) {
		return spec, string(p.Topics.MergeTable), nil
	}
	return spec, string(p.Topics.LearnTable), nil
}

// liveExport decodes a table value of key and exports it as version 0.
func liveExport(p *topology.Pipeline, spec processors.ModelSpec, key string, value []byte, at time.Time) (*registry.Export, error) {
	d, err := (&table.StateCodec{Shapes: processors.Shapes(p.Specs)}).Decode(value)
	if err != nil {
		return nil, fmt.Errorf("key %q: state: %w", key, err)
	}
	st, ok := d.(*table.ModelState)
	if !ok || st == nil {
		return nil, fmt.Errorf("key %q: state: a %T", key, d)
	}
	v, err := processors.NewVersion(st, spec, at)
	if err != nil {
		return nil, err
	}
	return registry.NewExport(&table.Registry{Model: st.Model, Key: key}, &v)
}

// ModelsPinCmd pins a version.
type ModelsPinCmd struct {
	modelsFlags
	Key     string `arg:"" help:"Model key."`
	Version int64  `arg:"" help:"Version to pin."`
}

// Run implements the command.
func (c *ModelsPinCmd) Run(ctx context.Context) error {
	return pinCommand(ctx, &c.modelsFlags, c.Key, c.Version, table.OpPin)
}

// ModelsUnpinCmd unpins a version.
type ModelsUnpinCmd struct {
	modelsFlags
	Key     string `arg:"" help:"Model key."`
	Version int64  `arg:"" help:"Version to unpin."`
}

// Run implements the command.
func (c *ModelsUnpinCmd) Run(ctx context.Context) error {
	return pinCommand(ctx, &c.modelsFlags, c.Key, c.Version, table.OpUnpin)
}

// pinCommand sends a pin or unpin command and waits until the checkpoint
// group applied it.
func pinCommand(ctx context.Context, f *modelsFlags, key string, version int64, op table.PinOp) error {
	c, _, err := f.open()
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Pin(ctx, key, version, op, f.Timeout)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", key, res.Message)
	return nil
}
