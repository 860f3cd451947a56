package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
)

const testYAML = `
name: t
partitions: 2
input: {topics: [in], columns: [sensor, f0, f1], label: {from: key}}
models:
  - {name: g}
  - {name: per, key: sensor}
serve:
  - {name: live, topics: [test], model: g}
  - {name: pinned, topics: [test], model: g, state: pinned, output: t.pinned}
`

const testToken = "0123456789abcdef-token"

// tables are the API's tables in maps.
type tables struct {
	states    map[string]*table.ModelState
	regs      map[string]*table.Registry
	overrides map[string]*table.ServingOverride
}

func (m *tables) State(key string, _ bool) (*table.ModelState, error) { return m.states[key], nil }
func (m *tables) Registry(key string) (*table.Registry, error)        { return m.regs[key], nil }
func (m *tables) Override(d string) (*table.ServingOverride, error) {
	return m.overrides[d], nil
}
func (m *tables) Recovered() bool { return true }

// pinner records the pins asked for.
type pinner struct {
	calls []string
	err   error
}

func (p *pinner) Pin(_ context.Context, key string, version int64, op table.PinOp, _ time.Duration) (*table.CommandResult, error) {
	p.calls = append(p.calls, fmt.Sprintf("%s %s %d", op, key, version))
	if p.err != nil {
		return nil, p.err
	}
	return &table.CommandResult{Op: string(op), Version: version, OK: true, Message: "done"}, nil
}

// proc is a goka processor that is recovered or not.
type proc struct{ recovered bool }

func (p proc) Recovered() bool { return p.recovered }
func (p proc) StatsWithContext(context.Context) *goka.ProcessorStats {
	status := goka.PartitionRecovering
	if p.recovered {
		status = goka.PartitionRunning
	}
	return &goka.ProcessorStats{Group: map[int32]*goka.PartitionProcStats{
		0: {TableStats: &goka.TableStats{Status: status, Recovery: &goka.RecoveryStats{Offset: 5, Hwm: 10}, Writes: &goka.OutputStats{Count: 3}}},
	}}
}

type fixture struct {
	srv    *Server
	p      *topology.Pipeline
	tables *tables
	pins   *pinner
}

func newFixture(t *testing.T, token string) *fixture {
	t.Helper()
	return newFixtureOf(t, testYAML, token)
}

// newFixtureOf is newFixture of the pipeline in yaml.
func newFixtureOf(t *testing.T, yaml, token string) *fixture {
	t.Helper()
	c, err := config.Parse([]byte(yaml), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{p: p, tables: &tables{states: map[string]*table.ModelState{}, regs: map[string]*table.Registry{},
		overrides: map[string]*table.ServingOverride{}}, pins: &pinner{}}
	f.srv = New(Options{Pipeline: p, Stats: p.NewStats(), Tables: f.tables, Pins: f.pins, Token: token,
		MaxBodyBytes: 4 << 10, MaxRows: 3, Version: "test"})
	return f
}

// trained is key's state of model name after n rows.
func (f *fixture) trained(t *testing.T, name, key string, n int) *table.ModelState {
	t.Helper()
	st, err := table.NewModelState(name, key, f.p.Specs[name].Shape())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		y := float64(i % 2)
		if err := st.Learner.Learn([]float64{y, -y}, y); err != nil {
			t.Fatal(err)
		}
		st.Rows++
	}
	st.Watermarks = []wire.Watermark{{Topic: "in", Partition: 1, Offset: 41}}
	return st
}

func (f *fixture) registry(t *testing.T, key string, rows []int, pinned int64) {
	t.Helper()
	reg := &table.Registry{Model: "g", Key: key}
	for i, n := range rows {
		v, err := processors.NewVersion(f.trained(t, "g", key, n), f.p.Specs["g"], time.Unix(int64(i), 0))
		if err != nil {
			t.Fatal(err)
		}
		v.ID, v.Pinned = int64(i+1), int64(i+1) == pinned
		reg.Versions, reg.LastID = append(reg.Versions, v), v.ID
	}
	f.tables.regs[key] = reg
}

// do sends a request and decodes the JSON answer into a map.
func (f *fixture) do(t *testing.T, method, target, contentType, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	var out map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: not JSON: %v: %s", method, target, err, rec.Body)
		}
	}
	return rec.Code, out
}

func TestHealthAndReadiness(t *testing.T) {
	f := newFixture(t, "")
	if code, _ := f.do(t, "GET", "/healthz", "", ""); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := f.do(t, "GET", "/readyz", "", ""); code != http.StatusServiceUnavailable || body["ready"] != false {
		t.Errorf("/readyz without processors: %d %v", code, body)
	}
	for _, g := range f.p.Groups() {
		f.srv.setProcessor(string(g.Group()), proc{recovered: g.Group() != f.p.Topics.LearnGroup})
	}
	if code, _ := f.do(t, "GET", "/readyz", "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with learn recovering: %d", code)
	}
	f.srv.setProcessor(string(f.p.Topics.LearnGroup), proc{recovered: true})
	if code, body := f.do(t, "GET", "/readyz", "", ""); code != http.StatusOK || body["ready"] != true {
		t.Errorf("/readyz recovered: %d %v", code, body)
	}
	f.srv.SetProcessor(f.p.Topics.LearnGroup, nil)
	if code, _ := f.do(t, "GET", "/readyz", "", ""); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz after learn stopped: %d", code)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, "")
	stats := f.srv.o.Stats
	stats.Groups.Group("t-route").Count(1, 10, 20, 1)
	stats.Groups.Group("t-route").DeadLetter("empty message")
	stats.Models.Learned("g", 20)
	f.srv.setProcessor("t-learn", proc{recovered: true})
	req := httptest.NewRequest("GET", "/metrics", nil)
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	body := rec.Body.String()
	for _, want := range []string{
		`streamsgd_rows_in_total{group="t-route",partition="1"} 10`,
		`streamsgd_rows_out_total{group="t-route",partition="1"} 20`,
		`streamsgd_dead_letters_total{group="t-route",reason="empty_message"} 1`,
		`streamsgd_model_rows_learned_total{model="g"} 20`,
		`streamsgd_table_writes_total{group="t-learn",partition="0"} 3`,
		`streamsgd_restore_end_offset{group="t-learn",partition="0"} 10`,
		`streamsgd_partition_recovered{group="t-learn",partition="0"} 1`,
		`streamsgd_group_ready{group="t-learn"} 1`,
		`streamsgd_group_ready{group="t-route"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestReadEndpoints(t *testing.T) {
	f := newFixture(t, "")
	f.tables.states["g"] = f.trained(t, "g", "g", 40)
	f.tables.states["per/<b>"] = f.trained(t, "per", "per/<b>", 4)
	f.registry(t, "g", []int{10, 20}, 1)
	tests := []struct {
		target string
		code   int
		check  func(map[string]any) bool
	}{
		{"/api/topology", 200, func(b map[string]any) bool {
			return len(b["pipeline"].(map[string]any)["groups"].([]any)) == 4
		}},
		{"/api/groups", 200, func(b map[string]any) bool {
			reads := map[string]any{}
			for _, g := range b["groups"].([]any) {
				g := g.(map[string]any)
				reads[strings.TrimPrefix(g["name"].(string), "t-")] = g["reads"]
			}
			return len(reads) == 4 && reads["route"] == "rows" && reads["learn"] == "rows" && reads["checkpoint"] == "model states"
		}},
		{"/api/models", 200, func(b map[string]any) bool {
			g := b["models"].([]any)[0].(map[string]any)
			// Nothing learned by this process: rows and metrics of the
			// state in the table (they said 0 and {} after a restart).
			return g["name"] == "g" && g["last_version"] == 2.0 && g["pinned_version"] == 1.0 && len(g["served"].([]any)) == 2 &&
				g["rows"] == 40.0 && len(g["metrics"].(map[string]any)) == 3
		}},
		{"/api/curve?model=g", 200, func(b map[string]any) bool { return b["points"] != nil }},
		{"/api/curve?model=nope", 404, nil},
		{"/api/curve?model=g&since=yesterday", 400, nil},
		{"/api/state?key=g", 200, func(b map[string]any) bool {
			params := b["params"].(map[string]any)
			return b["rows"] == 40.0 && len(params["weights"].([]any)) == 2 && len(b["watermarks"].([]any)) == 1 && params["state"] == nil
		}},
		{"/api/state?key=per%2F%3Cb%3E", 200, func(b map[string]any) bool { return b["key"] == "per/<b>" }},
		{"/api/state?key=per/none", 404, nil},
		{"/api/state?key=nope", 404, nil},
		{"/api/state", 400, nil},
		{"/api/versions?key=g", 200, func(b map[string]any) bool {
			return len(b["versions"].([]any)) == 2 && b["pinned"] == 1.0
		}},
		{"/api/versions?key=per/x", 200, func(b map[string]any) bool { return len(b["versions"].([]any)) == 0 }},
		{"/api/versions?key=per", 404, func(b map[string]any) bool {
			return b["error"] == `key "per": model per is per entity: its keys are per/<entity>`
		}},
		{"/api/nothing", 404, nil},
		{"/api/pin?key=g&version=1", 405, nil},
		{"/api/score/d", 405, nil},
	}
	for _, method := range []string{"PUT", "DELETE"} {
		if code, body := f.do(t, method, "/api/pin?key=g&version=1", "", ""); code != 405 || body["status"] != 405.0 {
			t.Errorf("%s /api/pin: %d %v, want a JSON 405", method, code, body)
		}
	}
	for _, tc := range tests {
		code, body := f.do(t, "GET", tc.target, "", "")
		if code != tc.code {
			t.Errorf("GET %s: %d, want %d (%v)", tc.target, code, tc.code, body)
			continue
		}
		if code >= 400 && (body["error"] == nil || body["status"] != float64(code)) {
			t.Errorf("GET %s: error body %v", tc.target, body)
		}
		if tc.check != nil && !tc.check(body) {
			t.Errorf("GET %s: unexpected %v", tc.target, body)
		}
	}
}

func TestPin(t *testing.T) {
	tests := []struct {
		name, token, auth, target string
		err                       error
		code                      int
		calls                     int
	}{
		{name: "no token configured", auth: "Bearer x", target: "/api/pin?key=g&version=1", code: 403},
		{name: "no auth", token: testToken, target: "/api/pin?key=g&version=1", code: 401},
		{name: "wrong token", token: testToken, auth: "Bearer nope", target: "/api/pin?key=g&version=1", code: 401},
		{name: "pin", token: testToken, auth: "Bearer " + testToken, target: "/api/pin?key=g&version=1", code: 200, calls: 1},
		{name: "unpin", token: testToken, auth: "Bearer " + testToken, target: "/api/unpin?key=g&version=2", code: 200, calls: 1},
		{name: "bad version", token: testToken, auth: "Bearer " + testToken, target: "/api/pin?key=g&version=x", code: 400},
		{name: "unknown model", token: testToken, auth: "Bearer " + testToken, target: "/api/pin?key=nope&version=1", code: 404},
		{name: "no such version", token: testToken, auth: "Bearer " + testToken, target: "/api/pin?key=g&version=9",
			err: fmt.Errorf("%w: key g has no version 9", registry.ErrNoVersion), code: 404, calls: 1},
		{name: "not applied", token: testToken, auth: "Bearer " + testToken, target: "/api/pin?key=g&version=1",
			err: fmt.Errorf("%w: no group", registry.ErrNotApplied), code: 504, calls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.token)
			f.pins.err = tc.err
			code, body := f.do(t, "POST", tc.target, "", "", "Authorization", tc.auth)
			if code != tc.code || len(f.pins.calls) != tc.calls {
				t.Errorf("%d after %d calls, want %d after %d: %v", code, len(f.pins.calls), tc.code, tc.calls, body)
			}
		})
	}
}

func TestScore(t *testing.T) {
	f := newFixture(t, "")
	f.tables.states["g"] = f.trained(t, "g", "g", 40)
	f.registry(t, "g", []int{10, 20}, 1)
	tests := []struct {
		name, target, ct, body string
		code                   int
		check                  func(ScoreResponse) bool
	}{
		{name: "one JSON row, latest", target: "/api/score/live", ct: "application/json", body: `{"features":[1,-1]}`, code: 200,
			check: func(r ScoreResponse) bool {
				p := r.Predictions[0]
				return r.Model == "g" && r.State == "latest" && r.Scored == 1 && p.Version == 40 && p.VersionID == 0 && len(p.Scores) == 1
			}},
		{name: "pinned", target: "/api/score/pinned", ct: "application/json", body: `{"rows":[{"features":[1,-1]},{"features":[1]}]}`, code: 200,
			check: func(r ScoreResponse) bool {
				return r.Scored == 1 && r.Refused == 1 && r.Predictions[0].VersionID == 1 && r.Predictions[0].Version == 10 &&
					strings.Contains(r.Predictions[1].Reason, "1 features, want 2")
			}},
		{name: "a version by query", target: "/api/score?model=g&state=2", ct: "application/json", body: `{"features":[1,-1]}`, code: 200,
			check: func(r ScoreResponse) bool { return r.Predictions[0].VersionID == 2 && r.State == "2" }},
		{name: "per entity", target: "/api/score?model=per", ct: "application/json", body: `{"features":[1,-1],"entity":"a"}`, code: 200,
			check: func(r ScoreResponse) bool {
				return r.Refused == 1 && strings.Contains(r.Predictions[0].Reason, `"per/a"`)
			}},
		{name: "CSV in the input format", target: "/api/score/live", ct: "text/csv", body: "s1,1,-1\ns2,0,0\ns3,x,1\n", code: 200,
			check: func(r ScoreResponse) bool {
				return r.Scored == 2 && r.Refused == 1 && r.Predictions[2].Model == "g" && strings.Contains(r.Predictions[2].Reason, "parse")
			}},
		{name: "CSV without the entity, for a global model", target: "/api/score/live", ct: "text/csv", body: ",1,-1\n", code: 200,
			check: func(r ScoreResponse) bool { return r.Scored == 1 && r.Refused == 0 }},
		{name: "a null row", target: "/api/score/live", ct: "application/json", body: `{"rows":[null,{},{"features":[1,-1]}]}`, code: 200,
			check: func(r ScoreResponse) bool {
				return r.Scored == 1 && r.Refused == 2 && r.Predictions[0].Reason == `row 0 has no "features" (a null row, or one without them)` &&
					strings.HasPrefix(r.Predictions[1].Reason, "row 1 has no")
			}},
		{name: "a JSON number the decoders refuse", target: "/api/score/live", ct: "application/json", body: `{"rows":[{"features":[1e300,1]},{"features":[1,-1]}]}`, code: 200,
			check: func(r ScoreResponse) bool {
				return r.Scored == 1 && r.Refused == 1 && strings.Contains(r.Predictions[0].Reason, "row 0: feature 0: 1e+300 is too large") &&
					len(r.Predictions[1].Scores) == 1
			}},
		{name: "too many rows", target: "/api/score/live", ct: "application/json", body: `{"rows":[{"features":[1,1]},{"features":[1,1]},{"features":[1,1]},{"features":[1,1]}]}`, code: 413},
		{name: "body too large", target: "/api/score/live", ct: "application/json", body: `{"features":[` + strings.Repeat("1,", 4<<10) + `1]}`, code: 413},
		{name: "a null feature", target: "/api/score/live", ct: "application/json", body: `{"rows":[{"features":[null,1]},{"features":[1,-1]}]}`, code: 200,
			check: func(r ScoreResponse) bool {
				return r.Scored == 1 && r.Refused == 1 && r.Predictions[0].Reason == "row 0: feature 0 is null: a missing value cannot be scored"
			}},
		{name: "bad JSON", target: "/api/score/live", ct: "application/json", body: `{`, code: 400},
		{name: "an unknown field", target: "/api/score/live", ct: "application/json", body: `{"features":[1,1],"entity_id":"a"}`, code: 400},
		{name: "features and rows", target: "/api/score/live", ct: "application/json", body: `{"features":[1,1],"rows":[{"features":[1,1]}]}`, code: 400},
		{name: "two JSON values", target: "/api/score/live", ct: "application/json", body: `{"features":[1,1]} {"features":[1,1]}`, code: 400},
		{name: "no rows", target: "/api/score/live", ct: "application/json", body: `{}`, code: 400},
		{name: "form", target: "/api/score/live", ct: "application/x-www-form-urlencoded", body: `a=b`, code: 415},
		{name: "unknown deployment", target: "/api/score/nope", ct: "application/json", body: `{"features":[1,1]}`, code: 404},
		{name: "unknown model", target: "/api/score?model=nope", ct: "application/json", body: `{"features":[1,1]}`, code: 404},
		{name: "bad state", target: "/api/score?model=g&state=newest", ct: "application/json", body: `{"features":[1,1]}`, code: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ct)
			rec := httptest.NewRecorder()
			f.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("%d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
			if tc.check == nil {
				return
			}
			var r ScoreResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if !tc.check(r) {
				t.Errorf("unexpected answer %s", rec.Body)
			}
		})
	}
}

// TestScoreUnlabeledCSV: a CSV row to score needs no label (an empty
// label column); a label that is there must be one.
func TestScoreUnlabeledCSV(t *testing.T) {
	f := newFixtureOf(t, `
name: t
partitions: 2
input: {topics: [in], columns: [sensor, y, f0, f1], features: [f0, f1], label: {from: column, column: y}}
models: [{name: g}]
serve: [{name: live, topics: [test], model: g}]
`, "")
	f.tables.states["g"] = f.trained(t, "g", "g", 40)
	code, body := f.do(t, "POST", "/api/score/live", "text/csv", "s1,,1,-1\ns2,1,0,0\ns3,x,1,1\n")
	preds, _ := body["predictions"].([]any)
	if code != 200 || body["scored"] != 2.0 || body["refused"] != 1.0 || len(preds) != 3 {
		t.Fatalf("%d %v", code, body)
	}
	if reason := preds[2].(map[string]any)["reason"]; reason != `row 2: column y: label parse "x": invalid syntax` {
		t.Errorf("row 2: reason %v", reason)
	}
}

func TestDashboardServed(t *testing.T) {
	f := newFixture(t, "")
	for _, path := range []string{"/", "/app.js", "/style.css"} {
		req := httptest.NewRequest("GET", path, nil)
		rec := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d, CSP %q", path, rec.Code, rec.Header().Get("Content-Security-Policy"))
		}
		// No URL of another host, but for the SVG namespace, an XML name.
		b, _ := io.ReadAll(rec.Body)
		text := strings.ReplaceAll(string(b), `"http://www.w3.org/2000/svg"`, "")
		if strings.Contains(text, "http://") || strings.Contains(text, "https://") || strings.Contains(text, `"//`) {
			t.Errorf("%s names another host", path)
		}
	}
}

func TestListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "in use") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Listen on a taken port: %v", err)
	}
}
