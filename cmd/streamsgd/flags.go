package main

import (
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Brokers is the --brokers flag shared by the commands that talk to Kafka.
type Brokers struct {
	Brokers string `default:"127.0.0.1:9092" env:"STREAMSGD_BROKERS" help:"Comma-separated bootstrap brokers."`
}

// List splits the flag.
func (b Brokers) List() []string {
	var out []string
	for _, s := range strings.Split(b.Brokers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Admin returns an admin client and the client under it.
func (b Brokers) Admin() (*kadm.Client, *kgo.Client, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.List()...))
	if err != nil {
		return nil, nil, err
	}
	return kadm.NewClient(cl), cl, nil
}
