package topology

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
)

func (p *Pipeline) newCheckpoint() *processors.Checkpoint {
	return &processors.Checkpoint{Specs: p.Specs, LearnTable: goka.Stream(p.Topics.LearnTable)}
}

// checkpointGroup declares the checkpoint group: it reads the learn
// table's changelog (model states) and the pin commands, and keeps the
// registry of versions of every model key in its table.
//
// With data-parallel models, the merge table is a second input of model
// states, with the same codec and callback: merged models are versioned.
//
// Every graph built from one pipeline shares p.Checkpoint: its only state
// is the newest unversioned state per key, read-only, for the time trigger
// (checkpointTicks).
func (p *Pipeline) checkpointGroup() *goka.GroupGraph {
	t := p.Topics
	ck := p.Checkpoint
	if ck == nil {
		ck = p.newCheckpoint()
	}
	// Lenient: a state of a model that is no longer in the config is
	// counted in its key's registry instead of stopping the group.
	states := &table.StateCodec{Shapes: processors.Shapes(p.Specs), Lenient: true}
	edges := []goka.Edge{
		goka.Input(goka.Stream(t.LearnTable), states, ck.ProcessState),
		goka.Input(t.Pins, new(codec.Bytes), ck.ProcessPin),
		goka.Persist(new(table.RegistryCodec)),
	}
	if p.Sharded() {
		// The merged model of a data-parallel model is what gets versioned
		// (its shards' states in the learn table are skipped).
		edges = append(edges, goka.Input(goka.Stream(t.MergeTable), states, ck.ProcessState))
	}
	return goka.DefineGroup(t.CheckpointGroup, edges...)
}

// checkpointTickInterval is how often a run looks for models whose time
// trigger fired after they stopped learning.
const checkpointTickInterval = time.Second

// checkpointTicks returns the loop that writes a tick to the pins topic
// for every key whose version is due by time while no new state comes
// (processors.Checkpoint.DueKeys), or nil when the run does not run the
// checkpoint group.
func (p *Pipeline) checkpointTicks(o RunOptions, cls clients) func(context.Context) error {
	if p.Checkpoint == nil || (len(o.Groups) > 0 && !slices.Contains(o.Groups, p.Topics.CheckpointGroup)) {
		return nil
	}
	return func(ctx context.Context) error {
		cl, err := kafkaclient.NewClient(o.Brokers, append([]kgo.Opt{kgo.ClientID(o.ClientID)}, cls.kgo...)...)
		if err != nil {
			return fmt.Errorf("topology: checkpoint ticks: %w", err)
		}
		defer cl.Close()
		tick := time.NewTicker(checkpointTickInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case now := <-tick.C:
				var recs []*kgo.Record
				for _, key := range p.Checkpoint.DueKeys(now) {
					recs = append(recs, &kgo.Record{Topic: string(p.Topics.Pins), Key: []byte(key), Value: processors.TickCommand})
				}
				if len(recs) == 0 {
					continue
				}
				if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil && ctx.Err() == nil {
					return fmt.Errorf("topology: checkpoint ticks to %s: %w", p.Topics.Pins, err)
				}
			}
		}
	}
}
