package httpapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/registry"
)

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	m.HandleFunc("GET /api/topology", s.topology)
	m.HandleFunc("GET /api/groups", s.groups)
	m.HandleFunc("GET /api/models", s.models)
	m.HandleFunc("GET /api/curve", s.curve)
	m.HandleFunc("GET /api/state", s.state)
	m.HandleFunc("GET /api/versions", s.versions)
	m.HandleFunc("POST /api/pin", s.write(s.pin(table.OpPin)))
	m.HandleFunc("POST /api/unpin", s.write(s.pin(table.OpUnpin)))
	m.HandleFunc("POST /api/score/{deployment}", s.scoreDeployment)
	m.HandleFunc("POST /api/score", s.scoreModel)
	// The catch-alls answer, as JSON, 404 for an unknown path and 405 for
	// an endpoint asked with another method (without them the mux's own
	// 405 is plain text; with them they match first).
	notFound := func(w http.ResponseWriter, r *http.Request) {
		for _, other := range []string{http.MethodGet, http.MethodPost} {
			if other == r.Method || (r.Method == http.MethodHead && other == http.MethodGet) {
				continue
			}
			o := r.Clone(r.Context())
			o.Method = other
			if _, pattern := m.Handler(o); pattern != "" && pattern != other+" /api/" {
				w.Header().Set("Allow", other)
				writeError(w, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: use %s", r.Method, r.URL.Path, other))
				return
			}
		}
		writeError(w, http.StatusNotFound, fmt.Errorf("no endpoint %s %s", r.Method, r.URL.Path))
	}
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		m.HandleFunc(method+" /api/", notFound)
	}
	s.dashboard(m)
}

// apiError is the body of every error answer.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, apiError{Error: err.Error(), Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client is gone: nothing to tell
}

// num is a float for JSON: NaN and ±Inf (undefined metrics) are null.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.o.Version, "uptime_seconds": time.Since(s.start).Seconds()})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ok, groups := s.ready(r.Context())
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
	}
	views := s.o.Tables != nil && s.o.Tables.Recovered()
	writeJSON(w, status, map[string]any{"ready": ok, "groups": groups, "views_recovered": views})
}

func (s *Server) topology(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.o.Version, "pipeline": s.o.Pipeline.Describe()})
}

func (s *Server) groups(w http.ResponseWriter, r *http.Request) {
	out := make([]GroupStatus, 0, len(s.o.Groups))
	for _, g := range s.o.Groups {
		out = append(out, s.groupStatus(r.Context(), g))
	}
	writeJSON(w, http.StatusOK, map[string]any{"time": time.Now(), "groups": out})
}

// ModelStatus is one model in /api/models.
type ModelStatus struct {
	Name      string `json:"name"`
	Task      string `json:"task"`
	Learner   string `json:"learner"`
	Optimizer string `json:"optimizer"`
	PerEntity bool   `json:"per_entity"`
	Shards    int    `json:"shards"`
	// Rows learned: a global model's, from its state in the table (all
	// its life, whichever instance learned them); a per-entity model's,
	// by this process.
	Rows int64 `json:"rows"`
	// Metrics: the rolling metrics of the snapshots of the last period;
	// without any (nothing learned since this process started), a global
	// model's from its state.
	Metrics map[string]*float64 `json:"metrics"`
	// Snapshots: the key snapshots behind Metrics (one per key that
	// reported in the last period).
	Snapshots int64 `json:"snapshots"`
	// Versions of the global model's key (nil for per-entity models or
	// without tables): the newest id and the newest pinned one.
	LastVersion   *int64 `json:"last_version,omitempty"`
	PinnedVersion *int64 `json:"pinned_version,omitempty"`
	// Served: the deployments serving the model now, and in which state.
	Served []ServedBy `json:"served"`
}

// ServedBy is a deployment serving a model.
type ServedBy struct {
	Deployment string `json:"deployment"`
	State      string `json:"state"`
	Reason     string `json:"reason,omitempty"`
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	p := s.o.Pipeline
	served := map[string][]ServedBy{}
	if s.o.Tables != nil {
		for _, d := range p.Deployments {
			model, state, reason, err := s.score.Served(s.o.Tables, d)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			served[model] = append(served[model], ServedBy{Deployment: d.Name, State: string(state), Reason: reason})
		}
	}
	out := make([]ModelStatus, 0, len(p.Models))
	for _, spec := range p.Models {
		ms := ModelStatus{Name: spec.Name, Task: string(spec.Model.Task), Learner: spec.Model.Learner, Optimizer: spec.Model.Optimizer.Name,
			PerEntity: spec.PerEntity(), Shards: spec.Shards, Metrics: map[string]*float64{}, Served: served[spec.Name]}
		if ms.Served == nil {
			ms.Served = []ServedBy{}
		}
		if m := s.o.Stats.Models.Model(spec.Name); m != nil {
			ms.Rows = m.Rows.Load()
			mt := m.Metrics()
			for k, v := range mt.Values {
				ms.Metrics[k] = num(v)
			}
			ms.Snapshots = mt.Keys
		}
		if !spec.PerEntity() && s.o.Tables != nil {
			if err := fromState(s.o.Tables, &ms, spec); err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			reg, err := s.o.Tables.Registry(spec.Name)
			if err != nil {
				writeError(w, http.StatusServiceUnavailable, err)
				return
			}
			if reg != nil && len(reg.Versions) > 0 {
				last := reg.LastID
				ms.LastVersion = &last
				if v := reg.Pinned(); v != nil {
					id := v.ID
					ms.PinnedVersion = &id
				}
			}
		}
		out = append(out, ms)
	}
	writeJSON(w, http.StatusOK, map[string]any{"time": time.Now(), "models": out})
}

func (s *Server) curve(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("model")
	m := s.o.Stats.Models.Model(name)
	if m == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no model %q in pipeline %s", name, s.o.Pipeline.Config.Name))
		return
	}
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("since: %w", err))
			return
		}
		since = t
	}
	writeJSON(w, http.StatusOK, map[string]any{"model": name, "points": m.Curve(since)})
}

// tables returns the tables or answers 503.
func (s *Server) tables(w http.ResponseWriter) (Tables, bool) {
	if s.o.Tables == nil {
		writeError(w, http.StatusServiceUnavailable, errors.New("this server reads no tables"))
		return nil, false
	}
	return s.o.Tables, true
}

// specOf returns the spec of a model key's model, answering 404 when the
// key names no model of the pipeline.
func (s *Server) specOf(w http.ResponseWriter, key string) (processors.ModelSpec, bool) {
	if key == "" {
		writeError(w, http.StatusBadRequest, errors.New("key: required (a model name, or model/entity)"))
		return processors.ModelSpec{}, false
	}
	name, entity, _ := strings.Cut(key, "/")
	spec, ok := s.o.Pipeline.Specs[name]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, fmt.Errorf("key %q: no model %q in pipeline %s", key, name, s.o.Pipeline.Config.Name))
	case spec.PerEntity() && entity == "":
		ok = false
		writeError(w, http.StatusNotFound, fmt.Errorf("key %q: model %s is per entity: its keys are %s/<entity>", key, name, name))
	}
	return spec, ok
}

// StateView is a key's live state in /api/state.
type StateView struct {
	Model      string              `json:"model"`
	Key        string              `json:"key"`
	Rows       int64               `json:"rows"`
	Invalid    int64               `json:"invalid"`
	Window     int64               `json:"window"`
	Metrics    map[string]*float64 `json:"metrics"`
	Watermarks []WatermarkView     `json:"watermarks"`
	Params     registry.Params     `json:"params"`
	Table      string              `json:"table"`
}

// WatermarkView is one applied-offset watermark of a state.
type WatermarkView struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Next      int32  `json:"next_row,omitempty"`
}

func (s *Server) state(w http.ResponseWriter, r *http.Request) {
	tables, ok := s.tables(w)
	if !ok {
		return
	}
	key := r.URL.Query().Get("key")
	spec, ok := s.specOf(w, key)
	if !ok {
		return
	}
	merged := spec.MergedKey(key)
	st, err := tables.State(key, merged)
	if u, isU := errors.AsType[processors.Unservable](err); isU {
		writeError(w, http.StatusUnprocessableEntity, u)
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	if st == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("key %q has no state yet", key))
		return
	}
	v, err := processors.NewVersion(st, spec, time.Now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	e, err := registry.NewExport(&table.Registry{Model: st.Model, Key: key}, &v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := StateView{Model: st.Model, Key: key, Rows: st.Rows, Invalid: st.Invalid, Window: st.Window.Rows(), Metrics: map[string]*float64{},
		Params: e.Params, Watermarks: []WatermarkView{}, Table: string(s.o.Pipeline.Topics.LearnTable)}
	if merged {
		out.Table = string(s.o.Pipeline.Topics.MergeTable)
	}
	out.Params.State = nil // the learner's binary: the export endpoint's business
	for _, mv := range st.Window.Values() {
		out.Metrics[mv.Name] = num(mv.Value)
	}
	for _, wm := range st.Watermarks {
		out.Watermarks = append(out.Watermarks, WatermarkView{Topic: wm.Topic, Partition: wm.Partition, Offset: wm.Offset, Next: wm.Next})
	}
	writeJSON(w, http.StatusOK, out)
}

// VersionView is one version in /api/versions (without its learner).
type VersionView struct {
	ID         int64               `json:"id"`
	Time       time.Time           `json:"time"`
	Rows       int64               `json:"rows"`
	Window     int64               `json:"window"`
	Metrics    map[string]*float64 `json:"metrics"`
	Pinned     bool                `json:"pinned"`
	ConfigHash string              `json:"config_hash"`
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) {
	tables, ok := s.tables(w)
	if !ok {
		return
	}
	key := r.URL.Query().Get("key")
	if _, ok := s.specOf(w, key); !ok {
		return
	}
	reg, err := tables.Registry(key)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	out := map[string]any{"key": key, "versions": []VersionView{}}
	if reg == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	vs := make([]VersionView, 0, len(reg.Versions))
	for _, v := range reg.Versions {
		vv := VersionView{ID: v.ID, Time: v.Time, Rows: v.Rows, Window: v.Window, Pinned: v.Pinned, ConfigHash: v.ConfigHash, Metrics: map[string]*float64{}}
		for _, mv := range v.Metrics {
			vv.Metrics[mv.Name] = num(mv.Value)
		}
		vs = append(vs, vv)
	}
	out["versions"], out["last_id"] = vs, reg.LastID
	if p := reg.Pinned(); p != nil {
		out["pinned"] = p.ID
	}
	writeJSON(w, http.StatusOK, out)
}

// write guards a write endpoint: the request must carry the bearer token;
// without a token configured every write is refused.
func (s *Server) write(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Token == "" {
			writeError(w, http.StatusForbidden, errors.New("write endpoints are off: set api.token in the config or $STREAMSGD_API_TOKEN"))
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.o.Token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="streamsgd"`)
			writeError(w, http.StatusUnauthorized, errors.New("a valid token is required: Authorization: Bearer <token>"))
			return
		}
		h(w, r)
	}
}

func (s *Server) pin(op table.PinOp) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.o.Pins == nil {
			writeError(w, http.StatusServiceUnavailable, errors.New("this server cannot write pin commands"))
			return
		}
		q := r.URL.Query()
		key := q.Get("key")
		if _, ok := s.specOf(w, key); !ok {
			return
		}
		version, err := strconv.ParseInt(q.Get("version"), 10, 64)
		if err != nil || version < 1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("version: a version id (1, 2, ...) is required, got %q", q.Get("version")))
			return
		}
		res, err := s.o.Pins.Pin(r.Context(), key, version, op, s.o.PinTimeout)
		switch {
		case errors.Is(err, registry.ErrNoVersion):
			writeError(w, http.StatusNotFound, err)
		case errors.Is(err, registry.ErrRejected):
			writeError(w, http.StatusConflict, err)
		case errors.Is(err, registry.ErrNotApplied):
			writeError(w, http.StatusGatewayTimeout, err)
		case err != nil:
			writeError(w, http.StatusBadGateway, err)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"key": key, "op": res.Op, "version": res.Version, "ok": res.OK, "message": res.Message})
		}
	}
}

// fromState fills the rows of a global model's status, and its metrics
// when no snapshot gave any, from its live state in tables (none yet, or
// a sharded model not merged yet: left as they are).
func fromState(tables Tables, ms *ModelStatus, spec processors.ModelSpec) error {
	st, err := tables.State(spec.Name, spec.Shards > 1)
	if _, isU := errors.AsType[processors.Unservable](err); isU {
		return nil
	}
	if err != nil || st == nil {
		return err
	}
	ms.Rows = st.Rows
	if len(ms.Metrics) == 0 {
		for _, mv := range st.Window.Values() {
			ms.Metrics[mv.Name] = num(mv.Value)
		}
	}
	return nil
}
