package batchscore

import (
	"fmt"
	"runtime"
	"time"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/metrics"
)

// Options configure ScoreFile and ParseFile. Zero fields take the
// defaults documented beside them.
type Options struct {
	// Spec decodes the rows: the pipeline's input spec, adapted to files
	// by FileSpec. Required.
	Spec input.Spec
	// Models serve the rows. Required by ScoreFile.
	Models *Models
	// Workers decode and score chunks in parallel. Default GOMAXPROCS.
	Workers int
	// ChunkBytes of lines a worker takes at once. Default 1 MiB.
	ChunkBytes int
	// MaxLineBytes: a longer line is rejected. Default 64 MiB; at least
	// ChunkBytes.
	MaxLineBytes int
	// Evaluate computes whole-set metrics of the labeled rows
	// (Stats.Metrics).
	Evaluate bool
	// OnReject is called with every rejected row, in file order, from one
	// goroutine. Default: rejects are only counted.
	OnReject func(Reject)
	// Progress is called with the rows done so far after each chunk, from
	// one goroutine. Default: none.
	Progress func(rows int64)
}

// Defaults.
const (
	DefaultChunkBytes   = 1 << 20
	DefaultMaxLineBytes = 64 << 20
)

// EnsureDefaults fills the zero fields.
func (o *Options) EnsureDefaults() {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.ChunkBytes <= 0 {
		o.ChunkBytes = DefaultChunkBytes
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	o.MaxLineBytes = max(o.MaxLineBytes, o.ChunkBytes)
	o.Spec.EnsureDefaults()
	if o.OnReject == nil {
		o.OnReject = func(Reject) {}
	}
	if o.Progress == nil {
		o.Progress = func(int64) {}
	}
}

// Reject is a row that was not scored.
type Reject struct {
	// Line is the row's line number in the file (1-based); 0 for a topic.
	Line int64
	// Source is a topic row's id, topic/partition/offset/index (index -1:
	// the whole record); "" for a file.
	Source string
	// Reason says why, e.g. `column f3: parse "abc": invalid syntax`.
	Reason string
	// Raw is the line (without its line end) or the record's value, when
	// known.
	Raw []byte
}

// Where is "line N" or the source id.
func (r Reject) Where() string {
	if r.Source != "" {
		return r.Source
	}
	return fmt.Sprintf("line %d", r.Line)
}

// Stats are what a run did.
type Stats struct {
	// Rows read: Scored + Rejected.
	Rows, Scored, Rejected int64
	// Labeled rows among the scored ones.
	Labeled int64
	// Metrics of the labeled rows, with Options.Evaluate.
	Metrics []metrics.Value
	// Elapsed time.
	Elapsed time.Duration
}

// RowsPerSecond is Rows over Elapsed.
func (s Stats) RowsPerSecond() float64 { return float64(s.Rows) / s.Elapsed.Seconds() }
