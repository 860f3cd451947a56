package config

import "slices"

// Labels configures delayed labels: the labels of the input's rows arrive
// on a topic of their own, later than the rows, keyed by example id.
type Labels struct {
	// Topic of the labels, keyed by example id (input.id_column, or the
	// input record's key: "<key>/<index>" for the rows of a record of
	// several rows), each value
	// a label as text: a number, or one of input.label.classes. It must
	// exist before the pipeline starts, with as many partitions as the
	// pipeline. Default: none, the labels are in the input records
	// (input.label).
	Topic string `yaml:"topic"`
	// ExpireAfter bounds how long an example waits for its label (and a
	// label for its example) in the join table.
	ExpireAfter Expiry `yaml:"expire_after"`
}

// Expiry says when a waiting example or label expires: after Seconds or
// after Rows, whichever comes first. What expires is dead-lettered with
// a reason that starts with "expired".
type Expiry struct {
	// Seconds after the record's timestamp. Default 3600.
	Seconds float64 `yaml:"seconds"`
	// Rows of the input that reached the join after it, counted in its
	// partition and multiplied by the partitions (an estimate of the rows
	// of the whole stream). Default 1,000,000.
	Rows int64 `yaml:"rows"`
}

// Defaults of delayed labels.
const (
	DefaultExpireSeconds = 3600
	DefaultExpireRows    = 1_000_000
)

// Delayed reports whether the labels come on a topic of their own.
func (in *Input) Delayed() bool { return in.Labels.Topic != "" }

func (l *Labels) ensureDefaults() {
	setZero(&l.ExpireAfter.Seconds, DefaultExpireSeconds)
	setZero(&l.ExpireAfter.Rows, DefaultExpireRows)
}

func (c *Pipeline) validateLabels() error {
	in := c.Input
	if !in.Delayed() {
		if in.IDColumn != "" {
			return c.fieldError("input.id_column", "is only used with input.labels.topic (delayed labels)")
		}
		return nil
	}
	switch e := in.Labels.ExpireAfter; {
	case slices.Contains(in.Topics, in.Labels.Topic):
		return c.fieldError("input.labels.topic", "%q is also an input topic", in.Labels.Topic)
	case in.Label.From != "none":
		return c.fieldError("input.label.from", "must be \"none\" with input.labels.topic (the labels come from that topic), got %q", in.Label.From)
	case !(e.Seconds > 0):
		return c.fieldError("input.labels.expire_after.seconds", "must be > 0, got %g", e.Seconds)
	case e.Rows < 1:
		return c.fieldError("input.labels.expire_after.rows", "must be >= 1, got %d", e.Rows)
	}
	return nil
}
