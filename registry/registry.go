package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/topology"
)

// Errors wrapped by the client's errors.
var (
	// ErrNoVersion: the key has no such version (never made, or dropped
	// by retention), or no versions at all.
	ErrNoVersion = errors.New("registry: no such version")
	// ErrRejected: the checkpoint group rejected a command.
	ErrRejected = errors.New("registry: command rejected")
	// ErrNotApplied: a command was written but not applied in time.
	ErrNotApplied = errors.New("registry: command not applied")
	// ErrNoTable: the checkpoint table topic does not exist.
	ErrNoTable = errors.New("registry: no checkpoint table")
)

// Client reads and changes the registry of one pipeline.
type Client struct {
	topics  topology.Topics
	brokers []string
	opts    []kgo.Opt
	cl      *kgo.Client
	adm     *kadm.Client
}

// New returns a client of pipeline p's registry on brokers; opts are extra
// franz-go options (TLS, SASL).
func New(p *topology.Pipeline, brokers []string, opts ...kgo.Opt) (*Client, error) {
	cl, err := kafkaclient.NewClient(brokers, opts...)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	return &Client{topics: p.Topics, brokers: brokers, opts: opts, cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Close closes the client's connections.
func (c *Client) Close() { c.cl.Close() }

// Table is the topic the client reads.
func (c *Client) Table() string { return string(c.topics.CheckpointTable) }

// Registries reads the whole table from its start to its end offsets (as
// listed when it starts): the latest registry of every key.
func (c *Client) Registries(ctx context.Context) (map[string]*table.Registry, error) {
	return c.registries(ctx, func(*table.Registry) bool { return true }, false)
}

// Summaries is Registries of the keys of one model (all models if model is
// empty), without the learners of the versions (Config and State are nil):
// a listing of many keys holds a few hundred bytes per version.
func (c *Client) Summaries(ctx context.Context, model string) (map[string]*table.Registry, error) {
	return c.registries(ctx, func(r *table.Registry) bool { return model == "" || r.Model == model }, true)
}

func (c *Client) registries(ctx context.Context, keep func(*table.Registry) bool, strip bool) (map[string]*table.Registry, error) {
	ends, err := c.ends(ctx)
	if err != nil {
		return nil, err
	}
	starts := make(map[int32]int64, len(ends))
	for p := range ends {
		starts[p] = 0
	}
	out := map[string]*table.Registry{}
	err = c.scan(ctx, starts, ends, func(r *kgo.Record) error {
		if r.Value == nil {
			delete(out, string(r.Key))
			return nil
		}
		reg, err := decode(r)
		if err != nil {
			return err
		}
		if !keep(reg) {
			delete(out, string(r.Key))
			return nil
		}
		if strip {
			for i := range reg.Versions {
				reg.Versions[i].Config, reg.Versions[i].State = nil, nil
			}
		}
		out[string(r.Key)] = reg
		return nil
	})
	return out, err
}

// Registry reads the latest registry of one key (nil if it has none).
func (c *Client) Registry(ctx context.Context, key string) (*table.Registry, error) {
	reg, _, err := c.registryAt(ctx, key)
	return reg, err
}

// registryAt reads the key's registry from its partition and returns the
// partition and its end offset too.
func (c *Client) registryAt(ctx context.Context, key string) (*table.Registry, partitionEnd, error) {
	ends, err := c.ends(ctx)
	if err != nil {
		return nil, partitionEnd{}, err
	}
	p := table.Partition(key, len(ends))
	at := partitionEnd{partition: p, end: ends[p]}
	var reg *table.Registry
	err = c.scan(ctx, map[int32]int64{p: 0}, map[int32]int64{p: ends[p]}, func(r *kgo.Record) error {
		if string(r.Key) != key {
			return nil
		}
		if r.Value == nil {
			reg = nil
			return nil
		}
		reg, err = decode(r)
		return err
	})
	return reg, at, err
}

type partitionEnd struct {
	partition int32
	end       int64
}

func decode(r *kgo.Record) (*table.Registry, error) {
	v, err := table.RegistryCodec{}.Decode(r.Value)
	if err != nil {
		return nil, fmt.Errorf("registry: %s/%d@%d key %q: %w", r.Topic, r.Partition, r.Offset, r.Key, err)
	}
	return v.(*table.Registry), nil
}

// ends lists the end offsets of the table's partitions.
func (c *Client) ends(ctx context.Context) (map[int32]int64, error) {
	table := c.Table()
	listed, err := c.adm.ListEndOffsets(ctx, table)
	if err != nil {
		return nil, fmt.Errorf("registry: list offsets of %s: %w", table, err)
	}
	out := map[int32]int64{}
	var perr error
	listed.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			perr = o.Err
			return
		}
		out[o.Partition] = o.Offset
	})
	if len(out) == 0 || perr != nil {
		err := fmt.Errorf("%w %s (has `streamsgd run` started this pipeline, with group %s?)", ErrNoTable, table, c.topics.CheckpointGroup)
		if cause := errors.Join(perr, listed.Error()); cause != nil {
			err = fmt.Errorf("%w: %w", err, cause)
		}
		return nil, err
	}
	return out, nil
}

// scan calls fn with every record of the table's partitions from their
// start offset to their end offset (exclusive).
func (c *Client) scan(ctx context.Context, starts, ends map[int32]int64, fn func(*kgo.Record) error) error {
	left := map[int32]int64{}
	offsets := map[int32]kgo.Offset{}
	for p, end := range ends {
		if end > starts[p] {
			left[p] = end
			offsets[p] = kgo.NewOffset().At(starts[p])
		}
	}
	if len(left) == 0 {
		return nil
	}
	cl, err := kafkaclient.New(c.brokers, append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.Table(): offsets})}, c.opts...)...)
	if err != nil {
		return fmt.Errorf("registry: consumer: %w", err)
	}
	defer cl.Close()
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("registry: read %s: %w (partitions left: %v)", c.Table(), err, slices.Sorted(maps.Keys(left)))
		}
		if err := fs.Err0(); err != nil {
			return fmt.Errorf("registry: read %s: %w", c.Table(), err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			end, ok := left[r.Partition]
			if !ok || r.Offset >= end {
				continue
			}
			if err := fn(r); err != nil {
				return err
			}
			if r.Offset+1 >= end {
				delete(left, r.Partition)
			}
		}
	}
	return nil
}

// commandID is a random id for a command, to find its result.
func commandID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("registry: command id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Pin pins (op table.OpPin) or unpins (OpUnpin) a version of key. It
// checks that the registry has the version, writes the command to the pins
// topic, and waits up to timeout until the checkpoint group has applied it:
// the returned result is the group's. A version the registry does not have
// gives an error wrapping ErrNoVersion; a command the group rejected (the
// version was dropped meanwhile) one wrapping ErrRejected; no answer in
// time one wrapping ErrNotApplied.
func (c *Client) Pin(ctx context.Context, key string, version int64, op table.PinOp, timeout time.Duration) (*table.CommandResult, error) {
	reg, at, err := c.registryAt(ctx, key)
	if err != nil {
		return nil, err
	}
	if reg == nil || len(reg.Versions) == 0 {
		return nil, fmt.Errorf("%w: key %q has no versions (see `streamsgd models list`)", ErrNoVersion, key)
	}
	if reg.Version(version) == nil {
		return nil, fmt.Errorf("%w: key %q has no version %d (kept: %s)", ErrNoVersion, key, version, reg.IDs())
	}
	id, err := commandID()
	if err != nil {
		return nil, err
	}
	cmd, err := table.PinCommand{Op: op, Version: version, ID: id}.Encode()
	if err != nil {
		return nil, err
	}
	rec := &kgo.Record{Topic: string(c.topics.Pins), Key: []byte(key), Value: cmd}
	if err := c.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return nil, fmt.Errorf("registry: write the %s command to %s: %w", op, c.topics.Pins, err)
	}
	return c.await(ctx, key, id, at, timeout)
}

// await follows the key's partition of the table from at until the
// registry holds the result of command id.
func (c *Client) await(ctx context.Context, key, id string, at partitionEnd, timeout time.Duration) (*table.CommandResult, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	offsets := map[int32]kgo.Offset{at.partition: kgo.NewOffset().At(at.end)}
	cl, err := kafkaclient.New(c.brokers, append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.Table(): offsets})}, c.opts...)...)
	if err != nil {
		return nil, fmt.Errorf("registry: consumer: %w", err)
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(wctx)
		if wctx.Err() != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("registry: wait for command %s: %w", id, ctx.Err())
			}
			return nil, fmt.Errorf("%w: the command is in %s, but group %s did not apply it within %v: is `streamsgd run` running this pipeline (with that group)? It applies the command when it starts",
				ErrNotApplied, c.topics.Pins, c.topics.CheckpointGroup, timeout)
		}
		if err := fs.Err0(); err != nil {
			return nil, fmt.Errorf("registry: read %s: %w", c.Table(), err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			if string(r.Key) != key || r.Value == nil {
				continue
			}
			reg, err := decode(r)
			if err != nil {
				return nil, err
			}
			if res := reg.Command(id); res != nil {
				if !res.OK {
					return res, fmt.Errorf("%w: %s", ErrRejected, res.Message)
				}
				return res, nil
			}
		}
	}
}
