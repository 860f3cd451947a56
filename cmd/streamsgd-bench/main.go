// Command streamsgd-bench measures streamsgd end to end and prints a table:
// rows/s from the input topic to the predictions topic (all acknowledged)
// for single-row and 64-row messages, beside the ceiling measured in the
// same run on the same broker and topic (a plain franz-go consume-and-produce
// loop), and the SGD kernel alone. It reports figures; it never fails on
// speed.
//
// By default each scenario starts the embedded broker; STREAMSGD_BROKERS
// points it at any Kafka cluster instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// memoryLimitMB is the -memory-limit-mb flag, read by every process that
// runs a pipeline (operations.SetMemoryLimit); set once, by flag.Parse.
var memoryLimitMB int

type options struct {
	rows          int64
	stateMemoryMB int // per-entity: the pipeline's state.memory_mb (0: its default)
	brokers       []string
	only          string
}

func main() {
	var o options
	flag.Int64Var(&o.rows, "rows", 1_000_000, "rows of the SUSY-shaped stream per scenario")
	flag.StringVar(&o.only, "only", "", "run only scenarios whose name contains this")
	flag.IntVar(&o.stateMemoryMB, "state-memory-mb", 0, "per-entity: the pipeline's state.memory_mb (0: the config's default)")
	cpu := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	mem := flag.String("memprofile", "", "write an allocation profile of the whole run to this file (every allocation sampled)")
	child := flag.Bool("serve-broker", false, "internal: run the embedded broker for a parent bench process")
	pipeline := flag.String("serve-pipeline", "", "internal: run a pipeline's processors (JSON options) for a parent bench process")
	load := flag.String("http-load", "", "internal: send an HTTP load (JSON options) for a parent bench process")
	gogc := flag.Int("gogc", 400, "GC percentage of this process and the broker's (as streamsgd's --gogc); GOGC wins when set")
	flag.IntVar(&memoryLimitMB, "memory-limit-mb", 0, "soft memory limit of the processes that run a pipeline, MiB, as streamsgd run's --memory-limit-mb (0: the config's state.memory_mb + 96; negative: none); GOMEMLIMIT wins when set")
	writeData := flag.String("write-data", "", "write the peers benchmark's data files (CSV and VW text: -rows SUSY-shaped rows, -wide-rows Fashion-MNIST-shaped ones) into this directory and exit")
	wideRows := flag.Int64("wide-rows", 60_000, "train rows of the 784-feature set of the peers benchmark")
	var po peersOptions
	peers := flag.Bool("peers", false, "run the peers benchmark (make bench-peers) instead of the scenarios: -rows SUSY-shaped rows, -wide-rows 784-feature ones")
	flag.StringVar(&po.dir, "peers-dir", ".cache/bench-peers", "peers: directory of the data files and scratch")
	flag.StringVar(&po.python, "python", ".cache/pyenv/bin/python", "peers: the interpreter of the pinned environment (make pyenv)")
	flag.StringVar(&po.script, "peers-script", "scripts/peers/peers.py", "peers: the peers' script")
	flag.StringVar(&po.streamsgd, "streamsgd", "bin/streamsgd", "peers: the streamsgd binary (make build)")
	flag.StringVar(&po.results, "results", "bench/results", "peers: directory of the markdown results")
	flag.Int64Var(&po.sklearnRows, "sklearn-rows", 20_000, "peers: rows of scikit-learn's partial_fit per row (about 1,000 rows/s)")
	flag.Int64Var(&po.riverWideRows, "wide-slow-rows", 3_000, "peers: rows of River and of scikit-learn's partial_fit per row on the 784-feature set (100-150 rows/s)")
	peerSets := flag.String("peers-sets", "", "peers: comma-separated data sets to run (susy, wide; default both)")
	flag.BoolVar(&po.noPython, "peers-streamsgd-only", false, "peers: run streamsgd's rows only (to profile them with -cpuprofile)")
	flag.Parse()
	if *peerSets != "" {
		po.sets = strings.Split(*peerSets, ",")
	}
	if *writeData != "" {
		if _, err := writeDataSets(*writeData, o.rows, *wideRows); err != nil {
			fmt.Fprintf(os.Stderr, "streamsgd-bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gogc)
		os.Setenv("GOGC", strconv.Itoa(*gogc)) // for the broker child
	}
	if *child {
		if err := serveBroker(); err != nil {
			fmt.Fprintf(os.Stderr, "streamsgd-bench: broker: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *load != "" {
		if err := httpLoad(*load); err != nil {
			fmt.Fprintf(os.Stderr, "streamsgd-bench: http load: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *pipeline != "" {
		if err := servePipeline(*pipeline); err != nil {
			fmt.Fprintf(os.Stderr, "streamsgd-bench: pipeline: %v\n", err)
			os.Exit(1)
		}
		return
	}
	stopProfile, err := startProfiles(*cpu, *mem)
	if err != nil {
		fmt.Fprintf(os.Stderr, "streamsgd-bench: %v\n", err)
		os.Exit(1)
	}
	defer stopProfile()
	if *peers {
		po.rows, po.wideRows = o.rows, *wideRows
		if err := runPeers(context.Background(), po); err != nil {
			fmt.Fprintf(os.Stderr, "streamsgd-bench: peers: %v\n", err)
			stopProfile()
			os.Exit(1)
		}
		return
	}
	if env := os.Getenv("STREAMSGD_BROKERS"); env != "" {
		o.brokers = strings.Split(env, ",")
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintf(os.Stderr, "streamsgd-bench: %v\n", err)
		stopProfile()
		os.Exit(1)
	}
}

// result is one line of the table.
type result struct {
	name    string
	rows    int64
	elapsed time.Duration
	note    string
}

func (r result) rate() float64 { return float64(r.rows) / r.elapsed.Seconds() }

// scenario is one part of the table. Scenarios whose name does not
// contain -only are skipped.
type scenario struct {
	name string
	run  func(context.Context, options) ([]result, error)
}

// scenarios lists the table's parts in order; each lives in its own file.
func scenarios() []scenario {
	return []scenario{
		{"1-row messages", func(ctx context.Context, o options) ([]result, error) { return endToEnd(ctx, o, 1) }},
		{"64-row messages", func(ctx context.Context, o options) ([]result, error) { return endToEnd(ctx, o, 64) }},
		{"per-entity", perEntity},
		{"watermarks", watermarks},
		{"takeover", takeover},
		{"restore", restoreBench},
		{"shards", shards},
		{"batch score", batchScore},
		{"metrics cost", metricsCost},
		{"http score", httpScore},
	}
}

func run(ctx context.Context, o options) error {
	var results []result
	kernel, err := kernelBench()
	if err != nil {
		return fmt.Errorf("kernel: %w", err)
	}
	results = append(results, kernel...)
	for _, s := range scenarios() {
		if o.only != "" && !strings.Contains(s.name, o.only) {
			continue
		}
		rs, err := s.run(ctx, o)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, rs...)
	}
	print(results)
	return nil
}

func print(results []result) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trows\tseconds\trows/s\tnote\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t%s\t\n", r.name, r.rows, r.elapsed.Seconds(), r.rate(), r.note)
	}
	tw.Flush()
}
