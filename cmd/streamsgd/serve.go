package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// ServeCmd switches what a running scoring deployment serves (a hot swap
// through <p>.serving, which the score group looks up per record) and
// shows what each serves.
type ServeCmd struct {
	Promote  ServePromoteCmd  `cmd:"" help:"Serve another model (or state) on a deployment from its next record on, without a restart."`
	Rollback ServeRollbackCmd `cmd:"" help:"Serve the deployment's configured model and state again."`
	Status   ServeStatusCmd   `cmd:"" help:"Show each deployment: its topics, output, configured and promoted model, and what a global model serves now."`
}

// serveFlags are the flags every serve command takes.
type serveFlags struct {
	Brokers
	Config  string        `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	Timeout time.Duration `default:"30s" help:"Give up after this long."`
}

// Explain adds the SASL hint of the config's security with the flags over
// it to err.
func (f *serveFlags) Explain(err error) error {
	_, sec, serr := f.Pipeline(f.Config)
	if serr != nil {
		return err
	}
	return sec.Explain(err)
}

// open loads the pipeline and the franz-go options of its security.
func (f *serveFlags) open(ctx context.Context) (*topology.Pipeline, operations.PromoteOptions, context.Context, context.CancelFunc, error) {
	p, sec, err := f.Pipeline(f.Config)
	if err != nil {
		return nil, operations.PromoteOptions{}, nil, nil, err
	}
	opts, err := sec.Kgo()
	if err != nil {
		return nil, operations.PromoteOptions{}, nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, f.Timeout)
	return p, operations.PromoteOptions{Brokers: f.List(), Kgo: opts}, ctx, cancel, nil
}

// ServePromoteCmd promotes a model on a deployment.
type ServePromoteCmd struct {
	serveFlags
	Deployment string `required:"" help:"Deployment (serve[].name)."`
	Model      string `required:"" help:"Model to serve: a model of the config with the deployment's task."`
	State      string `help:"State of the model to serve: latest, pinned or a version id (default: the deployment's configured state)."`
	Force      bool   `help:"Promote even when the model has nothing to serve yet (its rows are dead-lettered until it has)."`
}

// Run implements the command.
func (c *ServePromoteCmd) Run(ctx context.Context) error {
	p, o, ctx, cancel, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	o.Deployment, o.Model, o.State, o.Force = c.Deployment, c.Model, table.ServeState(c.State), c.Force
	ov, now, err := operations.Promote(ctx, p, o)
	if err != nil {
		return err
	}
	d, _ := p.Deployment(c.Deployment)
	state := ov.State
	if state == "" {
		state = d.State
	}
	fmt.Printf("%s: serving %s (%s)%s from the next record the score group reads; `streamsgd serve rollback --deployment %s` serves %s (%s) again\n",
		d.Name, ov.Model, state, describe(now), d.Name, d.Model, d.State)
	return nil
}

func describe(now string) string {
	if now == "" {
		return ""
	}
	return ": " + now + ","
}

// ServeRollbackCmd removes a deployment's override.
type ServeRollbackCmd struct {
	serveFlags
	Deployment string `required:"" help:"Deployment (serve[].name)."`
}

// Run implements the command.
func (c *ServeRollbackCmd) Run(ctx context.Context) error {
	p, o, ctx, cancel, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	if err := operations.Rollback(ctx, p, o.Brokers, o.Kgo, c.Deployment); err != nil {
		return err
	}
	d, _ := p.Deployment(c.Deployment)
	fmt.Printf("%s: serving %s (%s), as configured, from the next record the score group reads\n", d.Name, d.Model, d.State)
	return nil
}

// ServeStatusCmd shows the deployments.
type ServeStatusCmd struct {
	serveFlags
}

// Run implements the command.
func (c *ServeStatusCmd) Run(ctx context.Context) error {
	p, o, ctx, cancel, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	if len(p.Deployments) == 0 {
		return fmt.Errorf("pipeline %s has no deployments (serve: in %s)", p.Config.Name, c.Config)
	}
	overrides, err := operations.Overrides(ctx, p, o.Brokers, o.Kgo)
	if err != nil {
		return err
	}
	now := map[string]string{}
	for _, d := range p.Deployments {
		model, state := served(d, overrides[d.Name])
		s, err := operations.ServedNow(ctx, p, o.Brokers, o.Kgo, model, state)
		if err != nil {
			s = err.Error()
		}
		now[d.Name] = s
	}
	return writeStatus(os.Stdout, p, overrides, now)
}

// served is the model and state deployment d serves under override o.
func served(d processors.Deployment, o *table.ServingOverride) (string, table.ServeState) {
	if o == nil || o.Err != nil {
		return d.Model, d.State
	}
	if o.State == "" {
		return o.Model, d.State
	}
	return o.Model, o.State
}

func writeStatus(w io.Writer, p *topology.Pipeline, overrides map[string]*table.ServingOverride, now map[string]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEPLOYMENT\tTOPICS\tOUTPUT\tCONFIGURED\tPROMOTED\tSERVES NOW")
	for _, d := range p.Deployments {
		promoted := "-"
		switch o := overrides[d.Name]; {
		case o == nil:
		case o.Err != nil:
			promoted = "invalid: " + o.Err.Error()
		default:
			model, state := served(d, o)
			promoted = fmt.Sprintf("%s (%s) at %s", model, state, o.Time.UTC().Format(time.DateTime))
		}
		serves := now[d.Name]
		if serves == "" {
			serves = "per-entity: one state per key"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\t%s\t%s\n", d.Name, strings.Join(d.Topics, ","), d.Output, d.Model, d.State, promoted, serves)
	}
	return tw.Flush()
}
