package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
)

// gokaFloor consumes the input with a goka processor that consumes as
// `streamsgd run`'s groups do (operations.ConsumeOptions), whose callback
// only counts: the fastest any goka stage can read these messages on this
// broker, so the floor of the route group's rate whatever it does with a
// row. The rate is measured from the
// first message on, as streamsgd's is from its first prediction.
func gokaFloor(ctx context.Context, brokers []string, input string, messages, rows int64, suffix string) (result, error) {
	var n atomic.Int64
	var first atomic.Int64 // UnixNano of the first message
	done := make(chan time.Time, 1)
	count := func(goka.Context, any) {
		if first.Load() == 0 {
			first.CompareAndSwap(0, time.Now().UnixNano())
		}
		if n.Add(1) == messages {
			done <- time.Now()
		}
	}
	g := goka.DefineGroup(goka.Group("bench-goka-floor-"+suffix), goka.Input(goka.Stream(input), new(codec.Bytes), count))
	cfg := kafkaclient.SaramaConfig(nil, "bench-goka-floor")
	proc, err := goka.NewProcessor(brokers, g, append(operations.ConsumeOptions(cfg),
		goka.WithClientID("bench-goka-floor"),
		goka.WithConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(cfg)),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(cfg, goka.NewTopicManagerConfig())),
		goka.WithProducerBuilder(kafkaclient.GokaProducerBuilder()),
		goka.WithLogger(log.New(io.Discard, "", 0)),
	)...)
	if err != nil {
		return result{}, fmt.Errorf("goka floor: %w", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- proc.Run(rctx) }()
	defer func() { cancel(); <-stopped }()
	select {
	case end := <-done:
		elapsed := end.Sub(time.Unix(0, first.Load()))
		return result{name: "floor: goka consume, no-op callback", rows: rows, elapsed: elapsed,
			note: "goka consuming as streamsgd run does; the fastest any goka stage reads this input"}, nil
	case err := <-stopped:
		stopped <- err
		return result{}, fmt.Errorf("goka floor: processor stopped: %w", err)
	case <-time.After(5 * time.Minute):
		return result{}, fmt.Errorf("goka floor: %d of %d messages in 5 minutes", n.Load(), messages)
	}
}
