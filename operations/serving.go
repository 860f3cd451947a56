package operations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// ErrNothingToServe is wrapped by Promote's error when the promoted model
// has no state (or no such version) to serve yet.
var ErrNothingToServe = errors.New("operations: nothing to serve")

// PromoteOptions configures Promote.
type PromoteOptions struct {
	// Brokers and Kgo (security) of the client.
	Brokers []string
	Kgo     []kgo.Opt
	// Deployment to switch, and the Model it serves from now on; State is
	// the state of Model it serves ("" keeps the deployment's configured
	// state).
	Deployment, Model string
	State             table.ServeState
	// Force writes the override even when the model has nothing to serve
	// yet (its rows are dead-lettered until it has).
	Force bool
}

// Promote switches a running deployment to another model (or state): it
// checks the model against the deployment (topology.Pipeline.CheckPromote)
// and, for a global model, that it has something to serve (a state with
// rows learned, or the version asked for: else an error wrapping
// ErrNothingToServe, unless Force), then writes the override to
// <p>.serving, keyed by the deployment. The score group looks the override
// up for every record, so it applies from the next record it scores,
// without a restart. It returns the override written and what the model
// serves now (e.g. "version 3, 200000 rows"; "" for a per-entity model,
// whose keys are not read).
func Promote(ctx context.Context, p *topology.Pipeline, o PromoteOptions) (*table.ServingOverride, string, error) {
	d, err := p.CheckPromote(o.Deployment, o.Model, o.State)
	if err != nil {
		return nil, "", err
	}
	state := o.State
	if state == "" {
		state = d.State
	}
	now, err := ServedNow(ctx, p, o.Brokers, o.Kgo, o.Model, state)
	if err != nil && !(o.Force && errors.Is(err, ErrNothingToServe)) {
		return nil, "", err
	}
	id, err := randomID()
	if err != nil {
		return nil, "", err
	}
	ov := &table.ServingOverride{Model: o.Model, State: o.State, ID: id, Time: time.Now().UTC()}
	value, err := ov.Encode()
	if err != nil {
		return nil, "", err
	}
	if err := writeServing(ctx, p, o.Brokers, o.Kgo, o.Deployment, value); err != nil {
		return nil, "", err
	}
	return ov, now, nil
}

// Rollback removes a deployment's override (a tombstone on <p>.serving):
// from the next record on, the score group serves the deployment's
// configured model and state again.
func Rollback(ctx context.Context, p *topology.Pipeline, brokers []string, opts []kgo.Opt, deployment string) error {
	if _, ok := p.Deployment(deployment); !ok {
		return fmt.Errorf("operations: no deployment %q in pipeline %s (have: %s)", deployment, p.Config.Name, p.DeploymentNames())
	}
	return writeServing(ctx, p, brokers, opts, deployment, nil)
}

// Overrides reads <p>.serving from its start to its end: the override of
// every deployment that has one.
func Overrides(ctx context.Context, p *topology.Pipeline, brokers []string, opts []kgo.Opt) (map[string]*table.ServingOverride, error) {
	raw, err := ReadTable(ctx, brokers, opts, string(p.Topics.Serving))
	if err != nil {
		return nil, err
	}
	out := make(map[string]*table.ServingOverride, len(raw))
	for k, v := range raw {
		o, err := table.ParseServingOverride(v)
		if err != nil {
			o = &table.ServingOverride{Err: err}
		}
		out[k] = o
	}
	return out, nil
}

// writeServing writes one record to <p>.serving, partitioned as goka's
// views look keys up (kafkaclient.NewClient's partitioner).
func writeServing(ctx context.Context, p *topology.Pipeline, brokers []string, opts []kgo.Opt, deployment string, value []byte) error {
	cl, err := kafkaclient.NewClient(brokers, opts...)
	if err != nil {
		return fmt.Errorf("operations: serving: %w", err)
	}
	defer cl.Close()
	rec := &kgo.Record{Topic: string(p.Topics.Serving), Key: []byte(deployment), Value: value}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("operations: write %s: %w (has `streamsgd run` or `streamsgd topics` created the pipeline's topics?)", p.Topics.Serving, err)
	}
	return nil
}

// servedNow says what a global model serves in state now, reading its key
// from the learn (or merge) table or the registry; ErrNothingToServe when
// nothing. Per-entity models are not read ("").
func ServedNow(ctx context.Context, p *topology.Pipeline, brokers []string, opts []kgo.Opt, model string, state table.ServeState) (string, error) {
	spec := p.Specs[model]
	if spec.PerEntity() {
		return "", nil
	}
	if state == table.StateLatest {
		topic := p.Topics.LearnTable
		if spec.Shards > 1 {
			topic = p.Topics.MergeTable
		}
		v, err := readKey(ctx, brokers, opts, string(topic), model)
		if err != nil {
			return "", err
		}
		var st *table.ModelState
		if v != nil {
			d, err := p.StateCodec.Decode(v)
			if err != nil {
				return "", fmt.Errorf("operations: state of %s: %w", model, err)
			}
			st = d.(*table.ModelState)
		}
		if st == nil || st.Rows == 0 {
			return "", fmt.Errorf("%w: model %s has no state in %s yet (--force promotes it anyway)", ErrNothingToServe, model, topic)
		}
		return fmt.Sprintf("latest state, %d rows learned", st.Rows), nil
	}
	v, err := readKey(ctx, brokers, opts, string(p.Topics.CheckpointTable), model)
	if err != nil {
		return "", err
	}
	var reg *table.Registry
	if v != nil {
		d, err := table.RegistryCodec{}.Decode(v)
		if err != nil {
			return "", fmt.Errorf("operations: registry of %s: %w", model, err)
		}
		reg = d.(*table.Registry)
	}
	ver, reason := processors.PickVersion(reg, model, state)
	if ver == nil {
		return "", fmt.Errorf("%w: %s (--force promotes it anyway)", ErrNothingToServe, reason)
	}
	return fmt.Sprintf("version %d, %d rows learned", ver.ID, ver.Rows), nil
}

// readKey reads the latest value of key in a table's changelog, reading
// only the key's partition (goka's FNV-1a), to its end offset as of the
// call; nil when it has none.
func readKey(ctx context.Context, brokers []string, opts []kgo.Opt, topic, key string) ([]byte, error) {
	var out []byte
	err := scanPartitions(ctx, brokers, opts, topic, func(n int) []int32 { return []int32{table.Partition(key, n)} },
		func(r *kgo.Record) error {
			if string(r.Key) == key {
				out = r.Value
			}
			return nil
		})
	return out, err
}

func randomID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("operations: id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
