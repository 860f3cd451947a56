package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	timeout := flag.Duration("timeout", 5*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ping [-timeout d] host:port[,host:port...]")
		os.Exit(2)
	}
	if err := ping(strings.Split(flag.Arg(0), ","), *timeout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// ping sends one metadata request and checks that the cluster reports a
// broker and a controller.
func ping(seeds []string, timeout time.Duration) error {
	cl, err := kafkaclient.New(seeds, kgo.RequestRetries(0))
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("ping: metadata: %w", err)
	}
	if len(resp.Brokers) == 0 || resp.ControllerID < 0 {
		return errors.New("ping: no live broker or controller yet")
	}
	return nil
}
