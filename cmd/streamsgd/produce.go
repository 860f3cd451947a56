package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/produce"
)

// ProduceCmd writes a CSV file or the synthetic SUSY-shaped stream into a
// topic.
type ProduceCmd struct {
	Brokers
	File           string `arg:"" optional:"" type:"existingfile" help:"CSV file (omit with --synthetic)."`
	Topic          string `required:"" help:"Topic to write (created if missing)."`
	Partitions     int32  `default:"4" help:"Partitions when the topic is created."`
	Synthetic      string `enum:",susy" default:"" help:"Generate rows instead of reading a file: susy."`
	Rows           int64  `default:"100000" help:"Rows to generate with --synthetic."`
	Seed           uint64 `default:"1" help:"Seed of the generator."`
	Header         bool   `help:"The file's first line is a header (not sent)."`
	LabelColumn    string `help:"File column holding the label (name with --header, or 0-based index)."`
	LabelIn        string `default:"key" enum:"key,value,none" help:"Where the label goes: key (the record key, as in the SUSY tutorial), value (the first value column) or none (dropped)."`
	RowsPerMessage int    `default:"1" help:"Rows per Kafka message (newline-separated)."`
	Quiet          bool   `help:"No progress bar."`
}

// Run implements the command.
func (c *ProduceCmd) Run(ctx context.Context) error {
	src, total, closeSrc, err := c.source()
	if err != nil {
		return err
	}
	defer closeSrc()
	adm, acl, err := c.Admin()
	if err != nil {
		return err
	}
	err = operations.CreateTopic(ctx, adm, c.Topic, c.Partitions, 1)
	acl.Close()
	if err != nil {
		return err
	}
	cl, err := c.Producer()
	if err != nil {
		return err
	}
	defer cl.Close()
	bar := c.bar(total)
	start := time.Now()
	st, err := produce.Run(ctx, cl, src, produce.Options{
		Topic: c.Topic, LabelIn: c.LabelIn, RowsPerMessage: c.RowsPerMessage,
		OnProgress: func(n int64) { bar.Set64(n) },
	})
	bar.Finish()
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(os.Stderr, "produced %d rows in %d messages to %s in %.1fs (%.0f rows/s)\n",
		st.Rows, st.Messages, c.Topic, el.Seconds(), float64(st.Rows)/el.Seconds())
	return nil
}

// bar draws on a terminal only: redrawn frames in a log or a pipe are noise
// (the summary line says what was produced).
func (c *ProduceCmd) bar(total int64) *progressbar.ProgressBar {
	if c.Quiet || !term.IsTerminal(int(os.Stderr.Fd())) {
		return progressbar.DefaultSilent(total)
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetDescription("rows"),
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

func (c *ProduceCmd) source() (produce.Source, int64, func(), error) {
	switch {
	case c.Synthetic == "susy" && c.File != "":
		return nil, 0, nil, fmt.Errorf("give a file or --synthetic, not both")
	case c.Synthetic == "susy":
		return produce.NewSynthetic(c.Seed, c.Rows), c.Rows, func() {}, nil
	case c.File == "":
		return nil, 0, nil, fmt.Errorf("give a CSV file or --synthetic susy")
	}
	f, err := os.Open(c.File)
	if err != nil {
		return nil, 0, nil, err
	}
	src, err := produce.NewCSVSource(f, produce.CSVOptions{Header: c.Header, LabelColumn: c.LabelColumn})
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return src, -1, func() { f.Close() }, nil
}
