package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// httpToken is the API token of TestRunHTTP's pipeline.
const httpToken = "integration-token-0123456789"

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// apiClient talks to the HTTP API of one `streamsgd run --http`.
type apiClient struct {
	t    *testing.T
	base string
	run  *proc
}

// call sends a request and decodes the JSON answer into out (if not nil);
// it returns the status.
func (c apiClient) call(method, path, contentType, body string, out any, header ...string) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// await calls GET path every 200 ms until ok says so, failing after
// deadline.
func (c apiClient) await(what, path string, deadline time.Duration, ok func(status int, body map[string]any) bool) map[string]any {
	c.t.Helper()
	end := time.Now().Add(deadline)
	for {
		var body map[string]any
		status := c.call("GET", path, "", "", &body)
		if ok(status, body) {
			return body
		}
		if ended, err := c.run.poll(); ended {
			c.t.Fatalf("run ended (%v) waiting for %s\n%s", err, what, c.run.stderr)
		}
		if time.Now().After(end) {
			c.t.Fatalf("no %s within %v: last %d %v\n%s", what, deadline, status, body, c.run.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestRunHTTP drives `streamsgd run --http` over TCP on the embedded
// broker: readiness, metrics, the models' rows and curves, a key's state,
// versions, pin with and without the token, and the score endpoint
// answering with the served version before and after the pin; a second
// run on the same address fails with one line.
func TestRunHTTP(t *testing.T) {
	brokers := cluster(t)
	name := unique("http")
	train, test := inputTopic(t, brokers, "http-train", 2), inputTopic(t, brokers, "http-test", 2)
	yaml := serveYAML(name, train, test) + "api: {token: " + httpToken + "}\n"
	pipeline(t, brokers, name+".yaml", yaml) // the topics
	cfg := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := buildCLI(t)
	addr := freeAddr(t)
	run := startRun(t, bin, cfg, brokers, t.TempDir(), "http", "--http", addr, "--progress", "1s")
	c := apiClient{t: t, base: "http://" + addr, run: run}
	c.await("readiness", "/readyz", 90*time.Second, func(s int, _ map[string]any) bool { return s == http.StatusOK })

	const rows = 3000
	produceSync(t, brokers, labeledRows(rand.New(rand.NewPCG(5, 9)), train, rows))
	c.await("every row learned", "/api/models", 90*time.Second, func(s int, b map[string]any) bool {
		if s != http.StatusOK {
			return false
		}
		for _, m := range b["models"].([]any) {
			m := m.(map[string]any)
			if m["rows"] != float64(rows) {
				return false
			}
		}
		return true
	})

	wantMetrics := []string{
		fmt.Sprintf(`streamsgd_model_rows_learned_total{model="a"} %d`, rows),
		fmt.Sprintf(`streamsgd_rows_in_total{group="%s-route",partition="0"}`, name),
		fmt.Sprintf(`streamsgd_table_writes_total{group="%s-learn",partition="1"}`, name),
		fmt.Sprintf(`streamsgd_group_ready{group="%s-learn"} 1`, name),
		fmt.Sprintf(`streamsgd_consumer_lag{group="%s-route",partition="0",topic="%s"}`, name, train),
		`streamsgd_model_metric{metric="accuracy",model="a"}`,
	}
	end := time.Now().Add(30 * time.Second)
	for missing := wantMetrics; len(missing) > 0; {
		if time.Now().After(end) {
			t.Fatalf("/metrics lacks %q", missing)
		}
		time.Sleep(200 * time.Millisecond)
		resp, err := http.Get(c.base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = io.Copy(&body, resp.Body)
		resp.Body.Close()
		missing = nil
		for _, w := range wantMetrics {
			if !strings.Contains(body.String(), w) {
				missing = append(missing, w)
			}
		}
	}
	c.await("points on a's learning curve", "/api/curve?model=a", 30*time.Second, func(s int, b map[string]any) bool {
		pts, _ := b["points"].([]any)
		return s == http.StatusOK && len(pts) > 0
	})
	var st map[string]any
	if s := c.call("GET", "/api/state?key=a", "", "", &st); s != http.StatusOK || st["rows"] != float64(rows) {
		t.Errorf("state of a: %d %v", s, st)
	}
	if s := c.call("GET", "/api/state?key=e%2Fs3", "", "", &st); s != http.StatusOK || st["key"] != "e/s3" {
		t.Errorf("state of e/s3: %d %v", s, st)
	}

	// A version of a (made once it idles), pinned through the API.
	c.await("a version of a", "/api/versions?key=a", 60*time.Second, func(s int, b map[string]any) bool {
		vs, _ := b["versions"].([]any)
		return s == http.StatusOK && len(vs) > 0
	})
	row := `{"features":[0.5,-0.2,1.1]}`
	var before, after, latest struct {
		Predictions []struct {
			Version   int64  `json:"version"`
			VersionID int64  `json:"version_id"`
			Reason    string `json:"reason"`
		}
	}
	if s := c.call("POST", "/api/score/pinned", "application/json", row, &before); s != http.StatusOK ||
		!strings.Contains(before.Predictions[0].Reason, "no pinned version") {
		t.Fatalf("score pinned before the pin: %d %+v", s, before)
	}
	if s := c.call("POST", "/api/pin?key=a&version=1", "", "", nil, "Authorization", "Bearer wrong"); s != http.StatusUnauthorized {
		t.Errorf("pin with a wrong token: %d", s)
	}
	var pinned map[string]any
	if s := c.call("POST", "/api/pin?key=a&version=1", "", "", &pinned, "Authorization", "Bearer "+httpToken); s != http.StatusOK || pinned["ok"] != true {
		t.Fatalf("pin: %d %v", s, pinned)
	}
	c.await("the pin in the view", "/api/versions?key=a", 30*time.Second, func(s int, b map[string]any) bool {
		return s == http.StatusOK && b["pinned"] == 1.0
	})
	if s := c.call("POST", "/api/score/pinned", "application/json", row, &after); s != http.StatusOK || after.Predictions[0].VersionID != 1 {
		t.Errorf("score pinned after the pin: %d %+v", s, after)
	}
	if s := c.call("POST", "/api/score/held", "text/csv", "s1,0,0.5,-0.2,1.1\n", &latest); s != http.StatusOK || latest.Predictions[0].Reason != "" {
		t.Errorf("score held (latest, CSV): %d %+v", s, latest)
	}

	// The same address again: a one-line error and a non-zero exit.
	second := startRun(t, bin, cfg, brokers, t.TempDir(), "http-2", "--http", addr)
	select {
	case err := <-second.done:
		second.ended = true
		out := strings.TrimSpace(second.stderr.String())
		if err == nil || !strings.Contains(out, "in use") || strings.Count(out, "\n") > 0 {
			t.Errorf("second run on %s: %v: %q", addr, err, out)
		}
	case <-time.After(60 * time.Second):
		t.Errorf("a second run on the same --http address did not exit")
	}
	for end := time.Now().Add(30 * time.Second); !strings.Contains(run.stderr.String(), "-learn caught up with its inputs"); {
		if time.Now().After(end) {
			t.Fatalf("no caught-up line in the run's log:\n%s", run.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	run.stop()
}
