package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
)

// ReplayCmd reprocesses a pipeline's input into a fresh generation and
// compares the rebuilt models with the live ones.
type ReplayCmd struct {
	Brokers
	Config     string `required:"" type:"existingfile" help:"Pipeline config (YAML) of the live pipeline."`
	Until      string `help:"Rebuild as of this point: an offset N (every input partition: records at offsets above N are not routed) or an RFC 3339 time (records with later timestamps are not routed)."`
	Generation string `help:"Name of the fresh generation; its pipeline is <name>-<generation> (default replay-<unix time>)."`
	Keep       bool   `help:"Keep the generation's topics, consumer groups and state directory (default: delete them)."`
	StateDir   string `help:"Local stores of the generation (default: a temporary directory)."`
	ClientID   string `default:"streamsgd-replay" help:"Client id of the replay's processors."`
	Quiet      bool   `help:"No progress bar."`
	Verbose    bool   `short:"v" help:"Log goka's messages to stderr."`
}

// Run implements the command.
func (c *ReplayCmd) Run(ctx context.Context) error {
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	until, err := parseUntil(c.Until)
	if err != nil {
		return err
	}
	o := operations.ReplayOptions{
		RunOptions: operations.RunOptions{Brokers: c.List(), StateDir: c.StateDir, ClientID: c.ClientID, Security: sec},
		Generation: c.Generation, Until: until, Keep: c.Keep,
	}
	if c.Verbose {
		o.Logger = log.New(os.Stderr, "", log.LstdFlags)
	}
	var bar *progressbar.ProgressBar
	o.Progress = func(pr operations.ReplayProgress) {
		if bar == nil {
			bar = progressBar(pr.Total, "input records", c.Quiet)
		}
		bar.Set64(pr.Done)
	}
	rep, err := operations.Replay(ctx, p, o)
	if bar != nil {
		bar.Finish()
	}
	if rep.Generation != "" && (err == nil || len(rep.Models) > 0) {
		printReplay(os.Stdout, rep)
	}
	return err
}

// parseUntil reads --until: an offset or an RFC 3339 time.
func parseUntil(s string) (*processors.Bound, error) {
	if s == "" {
		return nil, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return nil, fmt.Errorf("--until %d: an offset is >= 0", n)
		}
		return processors.OffsetBound(n), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("--until %q: neither an offset nor an RFC 3339 time (e.g. 2024-05-01T12:00:00Z)", s)
	}
	return processors.TimeBound(t), nil
}

// printReplay prints the report: per global model key, or per per-entity
// model with counts; bit-for-bit equality with the live models, or with
// --until the rebuilt weights.
func printReplay(w io.Writer, rep operations.ReplayReport) {
	rate := 0.0
	if s := rep.Elapsed.Seconds(); s > 0 {
		rate = float64(rep.Input) / s
	}
	fmt.Fprintf(w, "replayed %s into %s: %d input records of %d partitions in %.1fs (%.0f records/s)\n",
		rep.Live, rep.Generation, rep.Input, rep.InputPartitions, rep.Elapsed.Seconds(), rate)
	if rep.Compared {
		printComparison(w, rep)
	} else {
		fmt.Fprintf(w, "rebuilt as of %s (not compared: the live models are not as of that point)\n", rep.Until)
		printRebuilt(w, rep)
	}
	if rep.Kept {
		fmt.Fprintf(w, "kept: table %s, topics %s; groups %s; state dir %s\n",
			rep.RebuiltTable, strings.Join(rep.Topics, ","), strings.Join(rep.Groups, ","), rep.StateDir)
	} else {
		fmt.Fprintf(w, "deleted the generation's topics and consumer groups (--keep keeps them)\n")
	}
}

func printComparison(w io.Writer, rep operations.ReplayReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tkey\trows\tlive rows\tbit for bit\tmax |diff|")
	equal, global, entity := true, false, false
	for _, m := range rep.Models {
		equal = equal && m.Equal()
		if m.PerEntity {
			entity = entity || !m.Equal()
			fmt.Fprintf(tw, "%s\t%d keys (live %d)\t%d\t%d\t%d of %d\t%g\n",
				m.Model, m.Keys, m.LiveKeys, m.Rows, m.LiveRows, m.Identical, max(m.Keys, m.LiveKeys), m.MaxAbsDiff)
		} else {
			global = global || !m.Equal()
			if len(m.PerKey) == 0 {
				fmt.Fprintf(tw, "%s\t-\t0\t0\t-\tno state in either table\n", m.Model)
			}
		}
		for _, k := range m.PerKey {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Model, k.Key, rowsOr(k.Rows, k.InRebuilt), rowsOr(k.LiveRows, k.InLive),
				yesNo(k.Identical), diffOr(k))
		}
	}
	tw.Flush()
	switch {
	case equal:
		fmt.Fprintln(w, "every rebuilt model equals the live one bit for bit")
	case (global || entity) && rep.InputPartitions > 1:
		var whose []string
		if global {
			whose = append(whose, "a global model")
		}
		if entity {
			whose = append(whose, "an entity whose input records are not keyed by it")
		}
		fmt.Fprintf(w, "some models differ; note: the rows of %s come from %d input partitions, interleaved in the order they were consumed, which a replay does not reproduce\n",
			strings.Join(whose, ", and of "), rep.InputPartitions)
	default:
		fmt.Fprintln(w, "some models differ (was the input still growing, or the live pipeline behind?)")
	}
}

func printRebuilt(w io.Writer, rep operations.ReplayReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tkey\trows\tweights")
	for _, m := range rep.Models {
		if m.PerEntity {
			fmt.Fprintf(tw, "%s\t%d keys\t%d\t\n", m.Model, m.Keys, m.Rows)
			continue
		}
		if len(m.PerKey) == 0 {
			fmt.Fprintf(tw, "%s\t-\t0\tno state: no row up to the bound\n", m.Model)
		}
		for _, k := range m.PerKey {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", m.Model, k.Key, k.Rows, weightsSummary(k.Weights))
		}
	}
	tw.Flush()
}

// weightsSummary prints up to 8 parameters, then the count and the
// largest magnitude.
func weightsSummary(ws []float64) string {
	const shown = 8
	var b strings.Builder
	big := 0.0
	for i, v := range ws {
		big = max(big, math.Abs(v))
		if i < shown {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatFloat(v, 'g', 6, 64))
		}
	}
	if len(ws) > shown {
		fmt.Fprintf(&b, " ... (%d parameters, max |w| %.4g)", len(ws), big)
	}
	return b.String()
}

func rowsOr(n int64, present bool) string {
	if !present {
		return "-"
	}
	return strconv.FormatInt(n, 10)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func diffOr(k operations.KeyComparison) string {
	if !k.InRebuilt || !k.InLive {
		return "missing in " + map[bool]string{true: "live", false: "rebuilt"}[k.InRebuilt]
	}
	return strconv.FormatFloat(k.MaxAbsDiff, 'g', 6, 64)
}
