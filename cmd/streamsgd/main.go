// Command streamsgd trains and serves machine-learning models on Kafka
// streams: an embedded broker, a producer, the processors of a pipeline, a
// tail of their outputs, and a demo that runs them all.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
)

// CLI is the command line: one struct per command, each in its own file.
type CLI struct {
	Version   kong.VersionFlag `help:"Print the version and exit."`
	GCPercent int              `name:"gogc" default:"400" help:"Garbage-collection target percentage (as GOGC; the GOGC variable wins when set). A stream processor's live heap is small and its allocation rate high: 400 trades a little memory for much less collection."`

	Broker   BrokerCmd   `cmd:"" help:"Run the embedded Kafka-protocol broker (franz-go kfake)."`
	Demo     DemoCmd     `cmd:"" help:"Start a broker, stream the SUSY-shaped data set, train, and print rolling metrics."`
	Run      RunCmd      `cmd:"" help:"Run the processors of a pipeline against a Kafka cluster."`
	Produce  ProduceCmd  `cmd:"" help:"Write a CSV file or a synthetic stream into a topic (keys partitioned like goka)."`
	Tail     TailCmd     `cmd:"" help:"Print the records of a topic (predictions, metrics, dead letters) as JSON lines."`
	Topology TopologyCmd `cmd:"" help:"Print the DAG of a pipeline: groups, topics, tables."`
	Topics   TopicsCmd   `cmd:"" help:"Create every topic of a pipeline and exit (deployment setup step)."`
	Restore  RestoreCmd  `cmd:"" help:"Rebuild the local stores of a pipeline's tables from their changelogs, ahead of a run; reports records/s."`
	Replay   ReplayCmd   `cmd:"" help:"Reprocess the input from the earliest offset into a fresh generation; compare its models with the live ones."`
	Models   ModelsCmd   `cmd:"" help:"List, show, export, pin and unpin the versions of a pipeline's models (checkpoint registry)."`
	Learn    LearnCmd    `cmd:"" help:"Learn a pipeline's models from a CSV file, without Kafka (one prequential pass, as run): rows/s, prequential and held-out metrics."`
	Score    ScoreCmd    `cmd:"" help:"Score a CSV file or a topic with a model version (registry or exported file), without learning; --evaluate prints whole-set metrics."`
	Serve    ServeCmd    `cmd:"" help:"Promote another model to a scoring deployment at runtime, roll it back, or show what each deployment serves."`
	Evaluate EvaluateCmd `cmd:"" help:"Held-out metrics of a scoring deployment: accuracy, log loss, AUC (or RMSE, MAE, R²) over every row it scored."`
}

// kongUsageError is the exit code kong gives a usage error.
const kongUsageError = 80

func main() {
	var cli CLI
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx := kong.Parse(&cli,
		kong.Name("streamsgd"),
		kong.Description("Online learning on Kafka streams: one SGD step per example, exactly-once model state."),
		kong.BindTo(ctx, (*context.Context)(nil)),
		// A usage error (an unknown flag, a missing argument) exits 2, as
		// Go's flag package and most commands do; kong's own code is 80.
		kong.Exit(func(code int) {
			if code == kongUsageError {
				code = 2
			}
			os.Exit(code)
		}),
		// Flags whose defaults are the packages' own, spelled there once.
		kong.Vars{
			"version":         "streamsgd " + buildVersion(),
			"state_dir":       operations.DefaultStateDir,
			"client_id":       operations.DefaultClientID,
			"session_timeout": kafkaclient.DefaultSessionTimeout.String(),
			"heartbeat":       kafkaclient.DefaultHeartbeat.String(),
		},
	)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(cli.GCPercent)
	}
	if err := kctx.Run(); err != nil {
		// Commands with connection flags explain a connection that a
		// broker closed on a SASL failure (the bare EOF a client sees).
		if ex, ok := kctx.Selected().Target.Addr().Interface().(explainer); ok {
			err = ex.Explain(err)
		}
		fmt.Fprintf(os.Stderr, "streamsgd %s: %v\n", commandName(kctx.Command()), err)
		stop()
		os.Exit(1)
	}
}

// commandName is kong's command path without its argument placeholders:
// "tail <topic>" is "tail", "models show <key>" is "models show".
func commandName(path string) string {
	var words []string
	for _, w := range strings.Fields(path) {
		if !strings.HasPrefix(w, "<") {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// explainer is a command that can add a hint to its error.
type explainer interface{ Explain(error) error }
