package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
)

// scenarioEnv is what a scenario that runs pipelines as child processes
// starts from: its brokers, a client and admin on them, and an empty input
// topic "<prefix>-<suffix>" (suffix also names the scenario's pipelines).
type scenarioEnv struct {
	brokers []string
	cl      *kgo.Client
	adm     *kadm.Client
	input   string
	suffix  string
	close   func()
}

func newScenarioEnv(ctx context.Context, o options, prefix string) (*scenarioEnv, error) {
	brokers, closeBroker, err := benchBrokers(o)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		closeBroker()
		return nil, err
	}
	e := &scenarioEnv{brokers: brokers, cl: cl, adm: kadm.NewClient(cl), suffix: fmt.Sprintf("%d", time.Now().UnixNano()%1e9)}
	e.close = func() { cl.Close(); closeBroker() }
	e.input = prefix + "-" + e.suffix
	if err := operations.CreateTopic(ctx, e.adm, e.input, partitions, 1); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}
