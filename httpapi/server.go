package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/lovoo/goka"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/runstats"
	"github.com/streamsgd/streamsgd/topology"
)

// Tables are the tables the API reads: processors.Tables (what the score
// group reads) and whether they have been read to their end once.
type Tables interface {
	processors.Tables
	Recovered() bool
}

// Pinner pins and unpins versions (registry.Client).
type Pinner interface {
	Pin(ctx context.Context, key string, version int64, op table.PinOp, timeout time.Duration) (*table.CommandResult, error)
}

// Processor is what the server asks a running goka processor
// (*goka.Processor).
type Processor interface {
	Recovered() bool
	StatsWithContext(ctx context.Context) *goka.ProcessorStats
}

// Options configure a Server.
type Options struct {
	// Pipeline served. Required.
	Pipeline *topology.Pipeline
	// Stats the processors count. Required.
	Stats *runstats.Run
	// Groups this process runs (readiness waits for each); empty: every
	// group of the pipeline.
	Groups []string
	// Tables read by the state, versions and score endpoints; nil: they
	// answer 503.
	Tables Tables
	// Pins writes pin commands; nil: pin and unpin answer 503.
	Pins Pinner
	// Token of the write endpoints; empty refuses them.
	Token string
	// MaxBodyBytes bounds a request body, MaxRows the rows of a score
	// request (config.API; zero takes its defaults).
	MaxBodyBytes int64
	MaxRows      int
	// PinTimeout bounds the wait for a pin to apply. Default 30 s.
	PinTimeout time.Duration
	// Version of the binary, shown by the dashboard and /api/topology.
	Version string
}

// Server is the HTTP server of a run.
type Server struct {
	o     Options
	score *processors.Score
	reg   *prometheus.Registry
	mux   *http.ServeMux
	start time.Time

	mu    sync.Mutex
	procs map[string]Processor
}

// New makes the server of a run.
func New(o Options) *Server {
	if len(o.Groups) == 0 {
		for _, g := range o.Pipeline.Groups() {
			o.Groups = append(o.Groups, string(g.Group()))
		}
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = config.DefaultAPIMaxBodyKB << 10
	}
	if o.MaxRows <= 0 {
		o.MaxRows = config.DefaultAPIMaxRows
	}
	if o.PinTimeout <= 0 {
		o.PinTimeout = 30 * time.Second
	}
	p := o.Pipeline
	score := &processors.Score{Route: p.ScoreRoute(), Specs: p.Specs, Deployments: p.Deployments}
	score.Init()
	s := &Server{o: o, score: score, mux: http.NewServeMux(), procs: map[string]Processor{}, start: time.Now()}
	s.reg = newRegistry(s)
	s.routes()
	return s
}

// SetProcessor tells the server of the goka processor that runs group
// now, or that none does (proc nil): operations.RunOptions.Processor.
func (s *Server) SetProcessor(group goka.Group, proc *goka.Processor) {
	if proc == nil {
		s.setProcessor(string(group), nil)
		return
	}
	s.setProcessor(string(group), proc)
}

func (s *Server) setProcessor(group string, p Processor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p == nil {
		delete(s.procs, group)
		return
	}
	s.procs[group] = p
}

func (s *Server) processor(group string) Processor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[group]
}

// Handler is the server's handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen listens on addr (host:port), with an error that says what to do
// when the port is taken.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("httpapi: --http %s: the address is in use (another streamsgd run?): choose another with --http HOST:PORT, or turn the server off with --http ''", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("httpapi: --http %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves on ln until ctx is done, then shuts down, giving requests
// in flight a few seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("httpapi: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("httpapi: shutdown: %w", err)
	}
	<-done
	return nil
}
