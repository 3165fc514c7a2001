package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// millionIndex is the view after a flood of request IDs in the service
// field, capped by the aggregate stage: 100 one-minute windows of 10,000
// distinct services each, 1,000,000 services in all, the first window at
// from. live leaves the last window open (not final).
func millionIndex(b testing.TB, live bool) (*view.Index, time.Time) {
	b.Helper()
	const windows, perWindow = 100, 10000
	ix := view.New(1, 1, time.Minute, 24*time.Hour)
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	var agg table.Value
	for w := range windows {
		start := from.Add(time.Duration(w) * time.Minute)
		for s := range perWindow {
			agg.Offset++
			agg.Counts[codecs.LevelInfo] = int64(1 + s%97)
			agg.Counts[codecs.LevelError] = int64(s % 3)
			update(b, ix, table.WindowKey("req-"+strconv.Itoa(w*perWindow+s), start), agg)
		}
	}
	wm := from.Add(windows * time.Minute)
	if live {
		wm = wm.Add(-time.Minute)
	}
	update(b, ix, table.WatermarkKey(0, 0), table.Value{StreamTimeMs: wm.UnixMilli()})
	return ix, from
}

func update(b testing.TB, ix *view.Index, key string, agg table.Value) {
	b.Helper()
	if err := ix.Update(0, key, table.AppendValue(nil, &agg)); err != nil {
		b.Fatal(err)
	}
}

// TestServicesMillion pages through a million services with the largest
// page: every service comes exactly once, in order, with its counts, and
// the count of services over all pages is right on every page.
func TestServicesMillion(t *testing.T) {
	if testing.Short() || raceEnabled {
		// TestServicesCacheFollowsSource and TestServicesPaging cover the
		// same code at a size the race detector gets through.
		t.Skip("a thousand pages of a million services: ~25 s, minutes under -race; run without -short and -race")
	}
	ix, from := millionIndex(t, true)
	h := httpapi.New(httpapi.Config{Source: ix, Window: time.Minute, Now: func() time.Time { return from.Add(100 * time.Minute) }})
	type page struct {
		TotalServices int     `json:"total_services"`
		Next          *string `json:"next"`
		Services      []struct {
			Name   string           `json:"name"`
			Counts map[string]int64 `json:"counts"`
			Total  int64            `json:"total"`
		} `json:"services"`
	}
	seen := make(map[string]bool, 1000000)
	var prev struct {
		name  string
		total int64
	}
	prev.total = 1 << 62
	target := "/v1/services?from=-100m&limit=1000"
	pages := 0
	for {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", target, rec.Code, rec.Body)
		}
		var p page
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		pages++
		if p.TotalServices != 1000000 {
			t.Fatalf("page %d: total_services %d, want 1000000", pages, p.TotalServices)
		}
		for _, s := range p.Services {
			if seen[s.Name] {
				t.Fatalf("page %d: %s again", pages, s.Name)
			}
			seen[s.Name] = true
			if s.Total > prev.total || (s.Total == prev.total && s.Name <= prev.name) {
				t.Fatalf("page %d: %s (%d) after %s (%d): want busiest first, then by name", pages, s.Name, s.Total, prev.name, prev.total)
			}
			prev.name, prev.total = s.Name, s.Total
			n, err := strconv.Atoi(strings.TrimPrefix(s.Name, "req-"))
			if err != nil {
				t.Fatalf("service %q is not one of the index's", s.Name)
			}
			if want := int64(1+n%10000%97) + int64(n%10000%3); s.Total != want || s.Counts["INFO"] != int64(1+n%10000%97) {
				t.Fatalf("%s: total %d, counts %v; want total %d", s.Name, s.Total, s.Counts, want)
			}
		}
		if p.Next == nil {
			break
		}
		if len(p.Services) != 1000 {
			t.Fatalf("page %d has %d services and a next page, want 1000", pages, len(p.Services))
		}
		target = "/v1/services?from=-100m&limit=1000&after=" + url.QueryEscape(*p.Next)
	}
	if len(seen) != 1000000 || pages != 1000 {
		t.Errorf("%d services on %d pages, want 1000000 on 1000", len(seen), pages)
	}
}

// BenchmarkServices1M is GET /v1/services?limit=100 over a million
// services through the handler and the real index:
//   - cached: nothing changed since the last request;
//   - live: the last window is still open, its 10,000 services merged
//     per request;
//   - slide: the range moves by one window per request (a relative range
//     as the minute turns): one window leaves, one enters;
//   - changed: one value of a final window changes before each request
//     (a late event rewrites it);
//   - cold: a new handler per request, so the whole merge is built (the
//     first request for a range).
func BenchmarkServices1M(b *testing.B) {
	for _, bc := range []struct {
		name string
		live bool
	}{{"cached", false}, {"live", true}, {"slide", false}, {"changed", false}, {"cold", false}} {
		b.Run(bc.name, func(b *testing.B) {
			ix, from := millionIndex(b, bc.live)
			var now atomic.Int64 // the range is the 100 windows before now
			now.Store(from.Add(100 * time.Minute).Unix())
			cfg := httpapi.Config{Source: ix, Window: time.Minute, Now: func() time.Time { return time.Unix(now.Load(), 0) }}
			h := httpapi.New(cfg)
			target := "/v1/services?from=-100m&limit=100"
			get := func() int {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				return rec.Body.Len()
			}
			size := get() // builds the cache
			late := table.Value{Offset: 1 << 40}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				switch bc.name {
				case "slide":
					now.Add(60 * int64(1-2*(i%2))) // on by one window, back by one
				case "changed":
					late.Offset++
					late.Counts[codecs.LevelInfo] = int64(i%50 + 1)
					update(b, ix, table.WindowKey("req-"+strconv.Itoa(20000+i%1000), from.Add(2*time.Minute)), late)
				case "cold":
					h = httpapi.New(cfg)
				}
				get()
				i++
			}
			b.ReportMetric(float64(size), "resp_bytes")
		})
	}
}
