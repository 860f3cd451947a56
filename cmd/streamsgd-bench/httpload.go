package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// loadOptions is what a -http-load child does: POST body to URL at Rate
// requests/s for Duration, open loop, with Workers connections.
type loadOptions struct {
	URL      string
	Body     string
	Rate     int
	Duration time.Duration
	Workers  int
}

// loadResult is what a -http-load child reports on stdout (JSON).
type loadResult struct {
	Sent, OK, Failed int
	Elapsed          time.Duration
	// Latencies from each request's scheduled time (so that a stalled
	// server is not hidden by requests that were never sent), in order:
	// p50, p99, p99.9, max.
	P50, P99, P999, Max time.Duration
	CPU                 time.Duration
	FirstError          string
}

// httpLoad runs the load of a -http-load child and prints its result.
func httpLoad(spec string) error {
	var o loadOptions
	if err := json.Unmarshal([]byte(spec), &o); err != nil {
		return err
	}
	res := runLoad(o)
	return json.NewEncoder(os.Stdout).Encode(res)
}

// runLoad sends o.Rate requests a second for o.Duration: a scheduler puts
// each request's due time on a queue every millisecond, o.Workers
// goroutines send them, each over its own keep-alive connection.
func runLoad(o loadOptions) loadResult {
	cpu0 := processCPU()
	tr := &http.Transport{MaxIdleConnsPerHost: o.Workers, MaxConnsPerHost: o.Workers, DisableCompression: true}
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	due := make(chan time.Time, o.Rate)
	var mu sync.Mutex
	var lat []time.Duration
	var res loadResult
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Go(func() {
			var mine []time.Duration
			ok, failed := 0, 0
			var first string
			for at := range due {
				resp, err := cl.Post(o.URL, "application/json", strings.NewReader(o.Body))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				mine = append(mine, time.Since(at))
				if err != nil {
					failed++
					if first == "" {
						first = err.Error()
					}
				} else {
					ok++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.OK += ok
			res.Failed += failed
			if res.FirstError == "" {
				res.FirstError = first
			}
			mu.Unlock()
		})
	}
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	for now := range tick.C {
		elapsed := now.Sub(start)
		if elapsed >= o.Duration {
			break
		}
		for want := int(elapsed.Seconds() * float64(o.Rate)); res.Sent < want; res.Sent++ {
			due <- start.Add(time.Duration(float64(res.Sent) / float64(o.Rate) * float64(time.Second)))
		}
	}
	tick.Stop()
	close(due)
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.CPU = processCPU() - cpu0
	slices.Sort(lat)
	q := func(f float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(f*float64(len(lat))))]
	}
	res.P50, res.P99, res.P999, res.Max = q(0.5), q(0.99), q(0.999), q(1)
	return res
}

// loadChild runs the load in a child process (a second process on
// loopback, as a client would be) and returns its result.
func loadChild(ctx context.Context, o loadOptions) (loadResult, error) {
	spec, err := json.Marshal(o)
	if err != nil {
		return loadResult{}, err
	}
	cmd := exec.CommandContext(ctx, os.Args[0], "-http-load", string(spec))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("load child: %w", err)
	}
	var res loadResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return loadResult{}, fmt.Errorf("load child said %q: %w", out.String(), err)
	}
	return res, nil
}
