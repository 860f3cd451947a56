package operations

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/lovoo/goka"
	"golang.org/x/sync/errgroup"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
)

// Views are goka views of a pipeline's tables for interactive queries (the
// HTTP API): the learn table (and merge table when sharded), the
// checkpoint registry and, with deployments, the serving overrides. Each
// view keeps a local copy of its whole table (pebble stores under
// <state-dir>/views), updated from the changelogs while Run runs. They
// implement processors.Tables, so that a request is scored exactly as the
// score group scores a record.
type Views struct {
	learn, merge, registry, serving *goka.View
}

// ViewsDir is the folder of the views' stores in a run's state
// directory.
const ViewsDir = "views"

// NewViews makes the views of p's tables with the run's options (brokers,
// security, client id, state directory).
func NewViews(p *topology.Pipeline, o RunOptions) (*Views, error) {
	cls, err := o.clients()
	if err != nil {
		return nil, err
	}
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	cfg := kafkaclient.SaramaConfig(cls.Sarama, o.ClientID)
	t := p.Topics
	shapes := processors.Shapes(p.Specs)
	view := func(tbl goka.Table, c goka.Codec) (*goka.View, error) {
		v, err := goka.NewView(o.Brokers, tbl, c,
			goka.WithViewClientID(o.ClientID),
			goka.WithViewAutoReconnect(),
			goka.WithViewLogger(nopLogger{}),
			goka.WithViewConsumerSaramaBuilder(saramaConsumerBuilder(p, cfg)),
			// as the groups' own: the learn and merge tables are written in
			// transactions, and a view recovering to their high water mark
			// would wait for a commit marker that is never delivered (and
			// never say it recovered).
			goka.WithViewTopicManagerBuilder(fencedTopicManagerBuilder(p, o, cls, cfg, topicManagerConfig(p))),
			goka.WithViewStorageBuilder(state.Builder(StoreOptions(p, filepath.Join(o.StateDir, ViewsDir, string(tbl))))),
		)
		if err != nil {
			return nil, fmt.Errorf("operations: view of %s: %w", tbl, err)
		}
		return v, nil
	}
	var v Views
	if v.learn, err = view(t.LearnTable, table.NewStateViewCodec(shapes, 0)); err != nil {
		return nil, err
	}
	if p.Sharded() {
		if v.merge, err = view(t.MergeTable, table.NewStateViewCodec(shapes, 0)); err != nil {
			return nil, err
		}
	}
	if v.registry, err = view(t.CheckpointTable, table.NewRegistryViewCodec(0)); err != nil {
		return nil, err
	}
	if t.Serves() {
		if v.serving, err = view(t.Serving, new(table.ServingCodec)); err != nil {
			return nil, err
		}
	}
	return &v, nil
}

func (v *Views) all() []*goka.View {
	var out []*goka.View
	for _, x := range []*goka.View{v.learn, v.merge, v.registry, v.serving} {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

// Run runs the views until ctx is done (they reconnect by themselves
// after a broker fault).
func (v *Views) Run(ctx context.Context) error {
	eg, ctx := errgroup.WithContext(ctx)
	for _, x := range v.all() {
		eg.Go(func() error {
			if err := x.Run(ctx); err != nil {
				return fmt.Errorf("operations: view of %s: %w", x.Topic(), err)
			}
			return nil
		})
	}
	return eg.Wait()
}

// Recovered reports whether every view has read its table to the end
// once.
func (v *Views) Recovered() bool {
	for _, x := range v.all() {
		if !x.Recovered() {
			return false
		}
	}
	return true
}

// State implements processors.Tables.
func (v *Views) State(key string, merged bool) (*table.ModelState, error) {
	x := v.learn
	if merged {
		x = v.merge
	}
	if x == nil {
		return nil, nil
	}
	return viewGet[*table.ModelState](x, key)
}

// Registry implements processors.Tables.
func (v *Views) Registry(key string) (*table.Registry, error) {
	return viewGet[*table.Registry](v.registry, key)
}

// Override implements processors.Tables.
func (v *Views) Override(deployment string) (*table.ServingOverride, error) {
	if v.serving == nil {
		return nil, nil
	}
	return viewGet[*table.ServingOverride](v.serving, deployment)
}

// viewGet reads key from a view and asserts its type; a value that does
// not decode is processors.Unservable.
func viewGet[T any](x *goka.View, key string) (T, error) {
	var zero T
	val, err := x.Get(key)
	if err != nil {
		return zero, fmt.Errorf("operations: view of %s: %w", x.Topic(), err)
	}
	switch val := val.(type) {
	case nil:
		return zero, nil
	case T:
		return val, nil
	case *table.UndecodableState:
		return zero, processors.Unservable{Reason: fmt.Sprintf("the value of key %q in %s does not decode: %v", key, x.Topic(), val.Err)}
	default:
		return zero, fmt.Errorf("operations: view of %s key %q: unexpected %T", x.Topic(), key, val)
	}
}
