//go:build ui

package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/streamsgd/streamsgd/kafkaclient"
)

// The dashboard in a real browser (make test-ui): Debian's Chromium,
// headless, driven with chromedp while a stream runs on the embedded
// broker. Built only with -tags ui: it needs Chromium, which `make
// test-ui` installs.

// browser starts a headless Chromium ($STREAMSGD_CHROMIUM, else chromium
// on PATH) and returns its context and the errors its pages report
// (console errors, uncaught exceptions, and error entries of the browser
// log: failed loads, CSP violations).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	path := os.Getenv("STREAMSGD_CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatalf("no chromium: `make test-ui` installs it (apt-get install chromium), or set STREAMSGD_CHROMIUM")
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 1100),
		chromedp.Flag("headless", true), chromedp.Flag("disable-gpu", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	var mu sync.Mutex
	var errs []string
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancel(); cancelAlloc(); <-done })
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// streaming runs `streamsgd run --http` on a fresh pipeline (serveYAML
// with an API token) and produces labeled rows into its input every
// 200 ms until the test ends; it returns the API's client.
func streaming(t *testing.T) apiClient {
	t.Helper()
	brokers := cluster(t)
	name := unique("ui")
	train, test := inputTopic(t, brokers, "ui-train", 2), inputTopic(t, brokers, "ui-test", 2)
	// A version every 5,000 rows (5 s of the stream below), since a
	// model that never idles gets none by serveYAML's idle trigger.
	yaml := strings.ReplaceAll(serveYAML(name, train, test), "every_rows: 100000", "every_rows: 5000") +
		"api: {token: " + httpToken + "}\n"
	pipeline(t, brokers, name+".yaml", yaml)
	cfg := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	run := startRun(t, buildCLI(t), cfg, brokers, t.TempDir(), "ui", "--http", addr, "--quiet")
	c := apiClient{t: t, base: "http://" + addr, run: run}
	c.await("readiness", "/readyz", 90*time.Second, func(s int, _ map[string]any) bool { return s == http.StatusOK })
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { stop(); <-done })
	go func() {
		defer close(done)
		r := rand.New(rand.NewPCG(3, 4))
		cl, err := kafkaclient.NewClient(brokers)
		if err != nil {
			t.Errorf("producer: %v", err)
			return
		}
		defer cl.Close()
		for ctx.Err() == nil {
			if err := cl.ProduceSync(ctx, labeledRows(r, train, 200)...).FirstErr(); err != nil && ctx.Err() == nil {
				t.Errorf("produce: %v", err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	return c
}

// points is how many points the learning curve of model m has on the page.
func points(ctx context.Context, m string) (int, error) {
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		fmt.Sprintf(`(document.querySelector('div.card[data-model=%q] svg.chart') || {getAttribute: () => "0"}).getAttribute("data-points")`, m)))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(s)
}

// scoredVersion is the registry version the pinned deployment serves
// (0: none, with the reason).
func (c apiClient) scoredVersion() (int64, string) {
	var r struct {
		Predictions []struct {
			VersionID int64  `json:"version_id"`
			Reason    string `json:"reason"`
		} `json:"predictions"`
	}
	if s := c.call("POST", "/api/score/pinned", "application/json", `{"features":[0.5,-0.2,1.1]}`, &r); s != http.StatusOK || len(r.Predictions) != 1 {
		c.t.Fatalf("score: %d %+v", s, r)
	}
	return r.Predictions[0].VersionID, r.Predictions[0].Reason
}

func TestDashboardInBrowser(t *testing.T) {
	c := streaming(t)
	ctx, errs := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.base+"/"),
		chromedp.WaitVisible(`div.card[data-model="a"] svg.chart`),
		chromedp.WaitVisible(`#dag svg g`)); err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}

	// The curves gain points while the stream runs.
	first := waitFor(t, "a point on a's curve", 60*time.Second, func() (int, bool) {
		n, err := points(ctx, "a")
		return n, err == nil && n > 0
	})
	waitFor(t, "more points on a's curve", 60*time.Second, func() (int, bool) {
		n, err := points(ctx, "a")
		return n, err == nil && n > first
	})

	// The groups table counts the route group's rows; the checkpoint
	// group reads model states, and its row says so rather than 0.
	waitFor(t, "rows in the route group's row", 60*time.Second, func() (int, bool) {
		s, err := chromedp.Run(ctx, chromedp.Text(`#groups tr[data-group$="-route"] td:nth-child(5)`))
		n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		return n, err == nil && n > 0
	})
	if s, err := chromedp.Run(ctx, chromedp.Text(`#groups tr[data-group$="-checkpoint"] td:nth-child(5)`)); err != nil || s != "–" {
		t.Errorf("the checkpoint group's rows in: %q (%v), want –", s, err)
	}

	// Pressing pin changes the version the score endpoint reports.
	// (The newest version: retention keeps it for the next 10.)
	vs := c.await("a version of a", "/api/versions?key=a", 60*time.Second, func(s int, b map[string]any) bool {
		vs, _ := b["versions"].([]any)
		return s == http.StatusOK && len(vs) > 0
	})
	id := int64(vs["last_id"].(float64))
	if v, reason := c.scoredVersion(); v != 0 || !strings.Contains(reason, "no pinned version") {
		t.Fatalf("before the pin the pinned deployment serves version %d (%s)", v, reason)
	}
	pinButton := fmt.Sprintf(`div.card[data-model="a"] button.pin[data-version="%d"]`, id)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`#token`, httpToken),
		chromedp.WaitVisible(pinButton),
		chromedp.Click(pinButton)); err != nil {
		t.Fatalf("press pin: %v", err)
	}
	waitFor(t, fmt.Sprintf("the score endpoint serving version %d", id), 60*time.Second, func() (int, bool) {
		v, _ := c.scoredVersion()
		return int(v), v == id
	})
	status, err := chromedp.Run(ctx, chromedp.Text(`#status`))
	if err != nil || !strings.Contains(status, "pinned") {
		t.Errorf("status after the pin: %q (%v)", status, err)
	}
	if e := errs(); len(e) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(e, "\n"))
	}
}

// TestDashboardScreenshot writes a PNG of the dashboard to
// $STREAMSGD_SCREENSHOT after some seconds of a stream (make screenshot).
func TestDashboardScreenshot(t *testing.T) {
	out := os.Getenv("STREAMSGD_SCREENSHOT")
	if out == "" {
		t.Skip("STREAMSGD_SCREENSHOT names the PNG to write (make screenshot)")
	}
	c := streaming(t)
	ctx, _ := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.base+"/"), chromedp.WaitVisible(`div.card svg.chart`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "30 points on a's curve", 120*time.Second, func() (int, bool) {
		n, err := points(ctx, "a")
		return n, err == nil && n >= 30
	})
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
}

// waitFor polls check every 250 ms until it says done, failing after
// deadline with the last value.
func waitFor(t *testing.T, what string, deadline time.Duration, check func() (int, bool)) int {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		v, ok := check()
		if ok {
			return v
		}
		if time.Now().After(end) {
			t.Fatalf("no %s within %v (last %d)", what, deadline, v)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
