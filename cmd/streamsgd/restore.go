package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/lovoo/goka"
	"github.com/schollz/progressbar/v3"
	"github.com/streamsgd/streamsgd/operations"
	"golang.org/x/term"
)

// RestoreCmd rebuilds the local stores of a pipeline's tables from their
// changelog topics, ahead of a run.
type RestoreCmd struct {
	Brokers
	Config   string   `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	StateDir string   `default:"${state_dir}" help:"Local pebble stores of the tables (the --state-dir that run will use)."`
	Groups   []string `help:"Restore only the tables of these groups (default: all), e.g. susy-learn."`
	ClientID string   `default:"${client_id}" help:"Client id of this instance."`
	Quiet    bool     `help:"No progress bar."`
}

// Run implements the command.
func (c *RestoreCmd) Run(ctx context.Context) error {
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	lock, err := lockStores(c.StateDir, p, c.Groups, false)
	if err != nil {
		return err
	}
	defer lock.Close()
	o := operations.RestoreOptions{RunOptions: operations.RunOptions{
		Brokers: c.List(), StateDir: c.StateDir, ClientID: c.ClientID, Security: sec,
	}}
	for _, g := range c.Groups {
		o.Groups = append(o.Groups, goka.Group(g))
	}
	var bar *progressbar.ProgressBar
	o.Progress = func(pr operations.RestoreProgress) {
		if bar == nil {
			bar = progressBar(pr.Total, "offsets", c.Quiet)
		}
		bar.Set64(pr.Done)
	}
	rep, err := operations.Restore(ctx, p, o)
	if bar != nil {
		bar.Finish()
	}
	if len(rep.Tables) > 0 { // a restore that did not begin has no table to show
		printRestore(os.Stdout, rep)
	}
	return err
}

// progressBar is the CLI's progress bar on stderr: silent with quiet, or
// when stderr is not a terminal (a log file, a pipe), as produce's and
// score's, whose redraws would fill it.
func progressBar(total int64, unit string, quiet bool) *progressbar.ProgressBar {
	if quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return progressbar.DefaultSilent(total)
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetDescription(unit),
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// printRestore prints one line per table and a total.
func printRestore(w io.Writer, rep operations.RestoreReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tgroup\tkind\tpartitions\trecords\tseconds\trecords/s\tstore")
	for _, t := range rep.Tables {
		if t.Missing {
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\tchangelog topic does not exist yet: nothing to restore\n", t.Table, t.Group, t.Kind)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.2f\t%.0f\t%s\n", t.Table, t.Group, t.Kind, t.Partitions, t.Records, t.Elapsed.Seconds(), t.Rate(), t.Dir)
	}
	tw.Flush()
	rate := 0.0
	if s := rep.Elapsed.Seconds(); s > 0 {
		rate = float64(rep.Records()) / s
	}
	fmt.Fprintf(w, "restored %d records of %d tables in %.2fs (%.0f records/s, metadata and store opening included)\n",
		rep.Records(), len(rep.Tables), rep.Elapsed.Seconds(), rate)
}
