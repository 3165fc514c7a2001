package integration

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// apiEvent is one known event of TestAPIEndToEnd.
type apiEvent struct {
	at             time.Time
	service, level string
	message        string
	partition      int32
}

// TestAPIEndToEnd produces known events over TCP and reads every read
// endpoint of the API back: level filters, one level's series, services,
// a service's page, sampled events, top messages, CSV, the live stream,
// alerts and metrics.
func TestAPIEndToEnd(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.yaml")
	// More than 3 errors of a service in one window fires; the next
	// window's zero resolves.
	if err := os.WriteFile(rules, []byte("rules:\n  - name: errors\n    levels: [ERROR]\n    count: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := startRun(t, t.TempDir(), freeAddr(t), "--grace", "1s", "--rules", rules)
	base := testBase()
	w0 := base.Add(2 * time.Minute)
	var evs []apiEvent
	add := func(at time.Time, service, level, msg string) {
		evs = append(evs, apiEvent{at, service, level, msg, int32(len(evs) % 6)})
	}
	for i := range 10 {
		add(w0.Add(time.Duration(i)*time.Second), "web", "INFO", fmt.Sprintf("GET /item/%d 200", i))
	}
	for i := 1; i <= 3; i++ {
		add(w0.Add(time.Duration(20+i)*time.Second), "web", "ERROR", fmt.Sprintf("user %d failed", i))
	}
	add(w0.Add(30*time.Second), "web", "ERROR", "disk full on /dev/sda1")
	add(w0.Add(31*time.Second), "web", "WARN", "slow query: 900ms")
	add(w0.Add(32*time.Second), "web", "WARN", "slow query: 1200ms")
	for i := range 5 {
		add(w0.Add(time.Duration(i)*time.Second), "db", "INFO", "checkpoint done")
	}
	add(w0.Add(40*time.Second), "db", "ERROR", "connection refused")
	// Every input partition moves past w0 + 1m + grace, so w0 and w0+1m
	// become final.
	for range 6 {
		add(w0.Add(10*time.Minute), "tick", "INFO", "tick")
	}
	produceAPIEvents(t, n, evs)
	n.settle(base, base.Add(time.Hour), int64(len(evs)))
	from, to := w0.Format(time.RFC3339), w0.Add(time.Minute).Format(time.RFC3339)
	rng := "from=" + from + "&to=" + to

	var lv struct {
		Levels []string         `json:"levels"`
		Totals map[string]int64 `json:"totals"`
		Total  int64            `json:"total"`
	}
	n.getJSON(t, "/v1/levels?level=ERROR&level=WARN&"+rng, &lv)
	if lv.Total != 7 || lv.Totals["ERROR"] != 5 || lv.Totals["WARN"] != 2 || len(lv.Totals) != 2 {
		t.Errorf("/v1/levels?level=ERROR&level=WARN = %+v, want 5 ERROR + 2 WARN only", lv)
	}
	rows := n.getCSV(t, "/v1/levels/ERROR?format=csv&"+rng)
	if len(rows) != 2 || strings.Join(rows[0], ",") != "start,end,count,late,final" || rows[1][0] != from || rows[1][2] != "5" || rows[1][4] != "true" {
		t.Errorf("/v1/levels/ERROR as CSV = %q, want one final row for %s with count 5", rows, from)
	}

	var svcs struct {
		Services []struct {
			Name       string  `json:"name"`
			Total      int64   `json:"total"`
			ErrorRatio float64 `json:"error_ratio"`
		} `json:"services"`
	}
	n.getJSON(t, "/v1/services?"+rng, &svcs)
	if len(svcs.Services) != 2 || svcs.Services[0].Name != "web" || svcs.Services[0].Total != 16 ||
		svcs.Services[0].ErrorRatio != 4.0/16 || svcs.Services[1].Name != "db" || svcs.Services[1].Total != 6 {
		t.Errorf("/v1/services = %+v, want web 16 (ratio 0.25) then db 6", svcs.Services)
	}
	var web struct {
		RecentErrors []struct {
			Message string `json:"message"`
		} `json:"recent_errors"`
		TopErrors []struct {
			Template string `json:"template"`
			Count    int64  `json:"count"`
		} `json:"top_errors"`
	}
	n.getJSON(t, "/v1/services/web?"+rng, &web)
	if len(web.RecentErrors) != 3 || web.RecentErrors[0].Message != "disk full on /dev/sda1" ||
		len(web.TopErrors) != 2 || web.TopErrors[0].Template != "user <*> failed" || web.TopErrors[0].Count != 3 {
		t.Errorf("/v1/services/web = %+v", web)
	}
	rows = n.getCSV(t, "/v1/events?level=ERROR&service=web&limit=2&format=csv&"+rng)
	// Columns: timestamp, level, message, service, host.
	if len(rows) != 3 || rows[1][2] != "disk full on /dev/sda1" || rows[2][2] != "user 3 failed" || rows[1][3] != "web" {
		t.Errorf("/v1/events as CSV = %q, want the 2 newest web errors", rows)
	}
	var top struct {
		Total    int64 `json:"total"`
		Exact    bool  `json:"exact"`
		Messages []struct {
			Template string `json:"template"`
			Count    int64  `json:"count"`
		} `json:"messages"`
	}
	n.getJSON(t, "/v1/top?level=ERROR&k=2&"+rng, &top)
	if top.Total != 5 || !top.Exact || len(top.Messages) != 2 || top.Messages[0].Template != "user <*> failed" ||
		top.Messages[0].Count != 3 || top.Messages[1].Count != 1 {
		t.Errorf("/v1/top = %+v, want user <*> failed ×3 first, exact, total 5", top)
	}
	n.expectStatus(t, "/v1/levels/NOPE", http.StatusBadRequest)
	n.expectStatus(t, "/v1/events?level=NOPE", http.StatusBadRequest)
	n.expectStatus(t, "/v1/services/nobody?"+rng, http.StatusNotFound)

	checkAlertFired(t, n, w0)
	// In the open window of the ticks: on time on every partition.
	checkStream(t, n, w0.Add(10*time.Minute))

	body := n.getBody(t, "/metrics")
	for _, want := range []string{`logpulse_consumer_lag{group="` + n.topics.IngestGroup + `"`, `logpulse_http_request_duration_seconds_count{code="200",route="/v1/top"}`,
		`logpulse_events_total{level="ERROR",stage="aggregate"}`, "logpulse_view_recovered 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// checkAlertFired: the count rule fired for web on w0 and resolved on the
// next window.
func checkAlertFired(t *testing.T, n *node, w0 time.Time) {
	t.Helper()
	type alert struct {
		Rule    string `json:"rule"`
		Service string `json:"service"`
		State   string `json:"state"`
	}
	var got struct {
		Active []alert `json:"active"`
		Recent []alert `json:"recent"`
	}
	poll(t, 30*time.Second, "the errors alert of web in /v1/alerts", func() (bool, string) {
		n.getJSON(t, "/v1/alerts", &got)
		for _, a := range got.Recent {
			if a.Rule == "errors" && a.Service == "web" && a.State == "resolved" {
				return len(got.Active) == 0, fmt.Sprintf("%+v", got)
			}
		}
		return false, fmt.Sprintf("%+v", got)
	})
}

// checkStream: a new event shows on /v1/stream as a window event of its
// service.
func checkStream(t *testing.T, n *node, at time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+n.http+"/v1/stream?service=web", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("/v1/stream: %s %q", resp.Status, ct)
	}
	events := make(chan [2]string)
	go readSSE(resp.Body, events)
	if ev := <-events; ev[0] != "hello" {
		t.Fatalf("first stream event %q, want hello", ev[0])
	}
	produceAPIEvents(t, n, []apiEvent{{at: at.Add(time.Second), service: "web", level: "ERROR", message: "live one", partition: 0}})
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("stream ended before the new window arrived")
			}
			var w struct {
				Start   time.Time        `json:"start"`
				Service string           `json:"service"`
				Counts  map[string]int64 `json:"counts"`
			}
			if ev[0] != "window" || json.Unmarshal([]byte(ev[1]), &w) != nil {
				continue
			}
			if w.Service != "web" {
				t.Fatalf("stream of web sent a window of %q", w.Service)
			}
			if w.Start.Equal(at.Truncate(time.Minute)) && w.Counts["ERROR"] == 1 {
				return
			}
		case <-ctx.Done():
			t.Fatal("no window event for the new ERROR within a minute")
		}
	}
}

// readSSE sends (event, data) pairs until r ends.
func readSSE(r io.Reader, out chan<- [2]string) {
	defer close(out)
	sc := bufio.NewScanner(r)
	var ev, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && ev != "":
			out <- [2]string{ev, data}
			ev, data = "", ""
		}
	}
}

func produceAPIEvents(t *testing.T, n *node, evs []apiEvent) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.DefaultProduceTopic(n.topics.Logs),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, len(evs))
	for i, e := range evs {
		v, _ := json.Marshal(map[string]any{"ts": e.at.UnixMilli(), "level": e.level, "service": e.service, "msg": e.message})
		recs[i] = &kgo.Record{Value: v, Partition: e.partition, Timestamp: e.at}
	}
	produceSync(t, cl, recs)
}

func (n *node) getBody(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + n.http + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	return string(b)
}

func (n *node) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(n.getBody(t, path)), v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (n *node) getCSV(t *testing.T, path string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(n.getBody(t, path))).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: not CSV: %v", path, err)
	}
	return rows
}

func (n *node) expectStatus(t *testing.T, path string, want int) {
	t.Helper()
	resp, err := http.Get("http://" + n.http + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	if json.NewDecoder(resp.Body).Decode(&body); resp.StatusCode != want || body.Error == "" {
		t.Errorf("GET %s: %s %+v, want %d with a JSON error", path, resp.Status, body, want)
	}
}
