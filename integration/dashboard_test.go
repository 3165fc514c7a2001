package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The two ERROR messages the test looks for. The first holds markup: the
// page must show it as text, never as an element. Neither has a digit, so
// each is its own message template.
const (
	seededError = `<b>checkout</b> exploded while reticulating splines`
	liveError   = `live probe: replica lost quorum on shard alpha`
)

// pageState is what the dashboard shows, read from the DOM.
type pageState struct {
	Bars []struct {
		Start string `json:"start"`
		Level string `json:"level"`
		Count int64  `json:"count"`
	} `json:"bars"`
	Recent       []string `json:"recent"`
	Markup       int      `json:"markup"` // elements made from message text
	Top          []string `json:"top"`
	Services     []string `json:"services"`
	ServicesAsks []string `json:"servicesAsks"` // URLs of the page's /v1/services requests
	Alerts       string   `json:"alerts"`
	AlertIDs     []string `json:"alertIds"`
	Conn         string   `json:"conn"`
	StreamEvents int      `json:"streamEvents"`
	Problem      string   `json:"problem"`
	Search       string   `json:"search"`
	Mark         bool     `json:"mark"` // set by the test: gone after a reload
}

const readPage = `(() => {
  const q = (sel) => [...document.querySelectorAll(sel)];
  return {
    bars: q("#chart rect[data-count]").map((r) => ({start: r.dataset.start, level: r.dataset.level, count: +r.dataset.count})),
    recent: q("#recent-errors li .msg").map((e) => e.textContent),
    markup: q("#recent-errors .msg *, #top-errors .msg *").length,
    top: q("#top-errors li .msg").map((e) => e.textContent),
    services: q("#services tbody tr[data-service]").map((e) => e.dataset.service),
    servicesAsks: performance.getEntriesByType("resource").map((e) => e.name).filter((u) => u.includes("/v1/services")),
    alerts: document.getElementById("alerts").dataset.state || "",
    alertIds: q("#alerts [data-id]").map((e) => e.dataset.id),
    conn: document.getElementById("conn").dataset.state || "",
    streamEvents: +(document.getElementById("status").dataset.streamEvents || 0),
    problem: document.getElementById("problem").textContent,
    search: location.search,
    mark: window.__logpulseTestMark === true,
  };
})()`

// series is the chart as window start → level → count.
func (p pageState) series(tb testing.TB) series {
	tb.Helper()
	s := series{}
	for _, b := range p.Bars {
		start, err := time.Parse(time.RFC3339, b.Start)
		if err != nil {
			tb.Fatalf("chart bar with data-start %q: %v", b.Start, err)
		}
		s.add(start, b.Level, b.Count)
	}
	return s
}

// TestDashboard: a browser pointed at `logpulse run` sees the produced
// counts in the chart and the errors in the lists, and a new ERROR appears
// without a reload (through the live stream). The API needs a token, which
// the page takes from its URL fragment.
func TestDashboard(t *testing.T) {
	chromium := chromiumPath(t)
	const token = "dashboard-test-token"
	// Any ERROR of probe in a final window fires; a short grace lets the
	// closing events below make windows final at once.
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rules, []byte("rules:\n  - {name: probe-errors, service: probe, levels: [ERROR], count: 0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := startRun(t, t.TempDir(), freeAddr(t), "--api-token", token, "--grace", "1s", "--rules", rules)

	// Events over the last 12 minutes, inside the page's 60-minute range,
	// the seeded error newest of all so it heads the recent list.
	now := time.Now().UTC()
	base := now.Add(-12 * time.Minute)
	evs, truth := events(400, base, 10*time.Minute, 7)
	seeded := generator.Event{Time: now.Add(-time.Minute), Level: codecs.LevelError, Service: "probe", Host: "probe-a", Message: seededError}
	evs = append(evs, seeded)
	truth.add(seeded.Time.Truncate(time.Minute), "ERROR", 1)
	var recs []*kgo.Record
	for _, e := range evs {
		recs = append(recs, generator.Record(n.topics.Logs, "json", e))
	}
	cl := n.producer()
	produceSync(t, cl, recs)
	poll(t, 2*time.Minute, fmt.Sprintf("/v1/levels to count %d events", truth.total()), func() (bool, string) {
		got, err := levelsTotal(n, token)
		if err != nil {
			return false, err.Error()
		}
		return got == truth.total(), fmt.Sprintf("counted %d", got)
	})

	b := openBrowser(t, chromium)
	if err := chromedp.Do(b.ctx, chromedp.Navigate("http://"+n.http+"/#token="+token)); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	st := b.waitFor("the chart to show every produced event and the recent errors the seeded one", func(p pageState) bool {
		return p.series(t).total() == truth.total() && slices.Contains(p.Recent, seededError) && p.Conn == "connected"
	})
	if diff := cmp.Diff(truth, st.series(t)); diff != "" {
		t.Errorf("chart bars per window and level (-produced +shown):\n%s", diff)
	}
	if st.Markup != 0 {
		t.Errorf("message text became %d HTML element(s): the page must escape log messages", st.Markup)
	}
	if !slices.Contains(st.Top, seededError) {
		t.Errorf("top errors %q lack %q", st.Top, seededError)
	}
	if !slices.Contains(st.Services, "probe") {
		t.Errorf("services table %q lacks probe", st.Services)
	}
	// The page asks only for the rows it shows: with a million services
	// an unpaged list was 80 MB every 5 s.
	if len(st.ServicesAsks) == 0 {
		t.Errorf("the page never asked for /v1/services")
	}
	for _, u := range st.ServicesAsks {
		if !strings.Contains(u, "limit=20") {
			t.Errorf("the page asked for %s: want limit=20, the rows it shows", u)
		}
	}
	if !slices.Contains([]string{"none", "ok", "firing"}, st.Alerts) {
		t.Errorf("alerts panel in state %q; want it rendered (none, ok or firing)", st.Alerts)
	}

	// Live: a new ERROR shows up in the open page, which is not reloaded
	// (the mark would be gone) and got it through the stream.
	b.eval(`window.__logpulseTestMark = true`)
	live := generator.Event{Time: time.Now().UTC(), Level: codecs.LevelError, Service: "probe", Host: "probe-b", Message: liveError}
	truth.add(live.Time.Truncate(time.Minute), "ERROR", 1)
	produceSync(t, cl, []*kgo.Record{generator.Record(n.topics.Logs, "json", live)})
	before := st.StreamEvents
	st = b.waitFor("the new ERROR to appear live", func(p pageState) bool {
		return slices.Contains(p.Recent, liveError) && p.series(t).total() == truth.total() && p.StreamEvents > before
	})
	if !st.Mark {
		t.Errorf("the page was reloaded; it must update in place")
	}
	if diff := cmp.Diff(truth, st.series(t)); diff != "" {
		t.Errorf("chart after the live event (-produced +shown):\n%s", diff)
	}

	// A click on a service row filters the page to that service.
	b.eval(`document.querySelector('#services tr[data-service="probe"]').click()`)
	b.waitFor("the chart to show only service probe", func(p pageState) bool {
		return p.Search == "?service=probe" && p.series(t).total() == 2 && len(p.Recent) == 2
	})

	// Stream time moves to now on every input partition: the seeded
	// error's window becomes final, the rule fires, and the panel shows
	// the alert (firing, or resolved once the next window is final too).
	var closing []apiEvent
	for p := range int32(6) {
		closing = append(closing, apiEvent{at: time.Now().UTC(), service: "tick", level: "INFO", message: "tick", partition: p})
	}
	produceAPIEvents(t, n, closing)
	want := "probe-errors|probe|" + seeded.Time.Truncate(time.Minute).Format(time.RFC3339)
	b.waitFor("the alerts panel to show "+want, func(p pageState) bool {
		return slices.Contains(p.AlertIDs, want) && (p.Alerts == "firing" || p.Alerts == "ok")
	})
	if errs := b.exceptions(); len(errs) > 0 {
		t.Errorf("the page threw:\n%s", strings.Join(errs, "\n"))
	}
}

// levelsTotal is the event count /v1/levels reports for the last hour.
func levelsTotal(n *node, token string) (int64, error) {
	req, err := http.NewRequest("GET", "http://"+n.http+"/v1/levels?from=-1h", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /v1/levels: %s", resp.Status)
	}
	var lr levelsResponse
	err = json.NewDecoder(resp.Body).Decode(&lr)
	return lr.Total, err
}

// chromiumPath finds Chromium, or skips the test when it is missing and
// neither CI nor LOGPULSE_REQUIRE_BROWSER=1 asks for it.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "chromium is not installed (Debian: apt-get install chromium)"
	if os.Getenv("LOGPULSE_REQUIRE_BROWSER") == "1" || os.Getenv("CI") != "" {
		tb.Fatal(msg + "; the browser test is required here (LOGPULSE_REQUIRE_BROWSER=1 or CI is set)")
	}
	tb.Skip(msg + "; skipping the browser test (set LOGPULSE_REQUIRE_BROWSER=1 to fail instead)")
	return ""
}

// browser is one headless Chromium tab.
type browser struct {
	tb  testing.TB
	ctx context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// openBrowser starts headless Chromium for the test. If the test fails, it
// saves a screenshot and logs the page's console.
func openBrowser(tb testing.TB, execPath string) *browser {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 1000),
		chromedp.UserDataDir(tb.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(cancel)
	// The browser lives as long as the context of its first action, so
	// that one carries the deadline of the whole browser part.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	tb.Cleanup(cancelTimeout)
	b := &browser{tb: tb, ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	tb.Cleanup(b.onFailure) // runs before the cancels above
	return b
}

// onFailure keeps what a person needs to see why the page was wrong.
func (b *browser) onFailure() {
	if !b.tb.Failed() {
		return
	}
	b.mu.Lock()
	for _, m := range b.console {
		b.tb.Logf("browser console: %s (%s:%d)", m, m.URL, m.Line)
	}
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.tb.Logf("no screenshot: %v", err)
		return
	}
	// Not tb.TempDir(): that is removed when the test ends.
	dir, err := os.MkdirTemp("", "logpulse-dashboard-")
	if err == nil {
		path := filepath.Join(dir, "dashboard.png")
		if err = os.WriteFile(path, png, 0o644); err == nil {
			b.tb.Logf("screenshot of the page: %s", path)
			return
		}
	}
	b.tb.Logf("cannot save the screenshot: %v", err)
}

// eval runs a script in the page.
func (b *browser) eval(js string) {
	b.tb.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
		b.tb.Fatalf("run %q in the page: %v", js, err)
	}
}

// waitFor reads the page until cond holds. The limits are generous for a
// loaded CI machine; on an idle one each wait takes a second or two.
func (b *browser) waitFor(what string, cond func(pageState) bool) pageState {
	b.tb.Helper()
	var st pageState
	var readErr error
	poll(b.tb, 30*time.Second, what, func() (bool, string) {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](readPage))
		if readErr = err; err == nil {
			st = got
			if cond(st) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d events in the chart, %d recent errors %q, conn %s, %d stream events, problem %q, read error %v",
			st.series(b.tb).total(), len(st.Recent), st.Recent[:min(3, len(st.Recent))], st.Conn, st.StreamEvents, st.Problem, readErr)
	})
	return st
}

// exceptions are the page's uncaught exceptions so far.
func (b *browser) exceptions() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		if m.IsException() {
			out = append(out, m.String())
		}
	}
	return out
}
