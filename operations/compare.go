package operations

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/topology"
)

// compareTables compares the model states of a rebuilt learn table with
// the live one (both raw changelog values by key), per model in config
// order. Without compare, live is ignored and the rebuilt states are only
// summarised.
func compareTables(p *topology.Pipeline, rebuilt, live map[string][]byte, compare bool) ([]ModelComparison, error) {
	byModel := map[string]*ModelComparison{}
	out := make([]ModelComparison, len(p.Models))
	for i, m := range p.Models {
		out[i] = ModelComparison{Model: m.Name, PerEntity: m.PerEntity()}
		byModel[m.Name] = &out[i]
	}
	decode := func(which, key string, v []byte) (*table.ModelState, *ModelComparison, error) {
		d, err := p.StateCodec.Decode(v)
		if err != nil {
			return nil, nil, fmt.Errorf("operations: replay: %s table, key %q: %w", which, key, err)
		}
		st, ok := d.(*table.ModelState)
		if !ok {
			return nil, nil, fmt.Errorf("operations: replay: %s table, key %q: a %T", which, key, d)
		}
		mc := byModel[st.Model]
		if mc == nil {
			return nil, nil, fmt.Errorf("operations: replay: %s table, key %q: model %q is not in the config", which, key, st.Model)
		}
		return st, mc, nil
	}
	for _, key := range slices.Sorted(maps.Keys(rebuilt)) {
		st, mc, err := decode("rebuilt", key, rebuilt[key])
		if err != nil {
			return nil, err
		}
		mc.Keys++
		mc.Rows += st.Rows
		kc := KeyComparison{Key: key, InRebuilt: true, Rows: st.Rows, Weights: st.Learner.Weights()}
		if compare {
			if v, ok := live[key]; ok {
				ls, _, err := decode("live", key, v)
				if err != nil {
					return nil, err
				}
				kc.InLive, kc.LiveRows = true, ls.Rows
				kc.Identical = st.Rows == ls.Rows && model.Identical(st.Learner, ls.Learner)
				if kc.MaxAbsDiff, err = model.MaxAbsDiff(st.Learner, ls.Learner); err != nil {
					return nil, fmt.Errorf("operations: replay: key %q: %w", key, err)
				}
				mc.MaxAbsDiff = math.Max(mc.MaxAbsDiff, kc.MaxAbsDiff)
				if kc.Identical {
					mc.Identical++
				} else {
					mc.Differ++
				}
			} else {
				mc.OnlyRebuilt++
			}
		}
		mc.list(kc, compare)
	}
	if !compare {
		return out, nil
	}
	for _, key := range slices.Sorted(maps.Keys(live)) {
		ls, mc, err := decode("live", key, live[key])
		if err != nil {
			return nil, err
		}
		mc.LiveKeys++
		mc.LiveRows += ls.Rows
		if _, ok := rebuilt[key]; !ok {
			mc.OnlyLive++
			mc.list(KeyComparison{Key: key, InLive: true, LiveRows: ls.Rows}, compare)
		}
	}
	return out, nil
}

// list adds a key to PerKey: every key of a global model; for per-entity
// models, up to maxListedKeys keys that differ (none without comparison).
func (m *ModelComparison) list(kc KeyComparison, compared bool) {
	if m.PerEntity {
		if !compared || kc.Identical || len(m.PerKey) >= maxListedKeys {
			return
		}
		kc.Weights = nil
	}
	m.PerKey = append(m.PerKey, kc)
}
