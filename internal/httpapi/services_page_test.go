package httpapi

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// pageSource has seven services with ties in one final window.
func pageSource(t *testing.T) *fakeSource {
	t.Helper()
	f := newFakeSource()
	w := ts(t, "2024-05-01T12:00:00Z")
	for name, n := range map[string]int64{"a1": 5, "a2": 5, "b": 9, "c": 1, "a3": 2, "d": 5, "e|x&y z": 2} {
		f.add(name, w, table.Counts{codecs.LevelInfo: n}, table.Counts{})
	}
	f.watermark = ts(t, "2024-05-01T12:30:00Z")
	return f
}

// pages follows next from target and returns the names of every page and
// the total_services of each.
func pages(t *testing.T, h http.Handler, target string) (names [][]string, totals []int) {
	t.Helper()
	for range 100 {
		rec := serve(t, h, "GET", target)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", target, rec.Code, rec.Body)
		}
		resp := decode[servicesResponse](t, rec)
		var page []string
		for _, s := range resp.Services {
			page = append(page, s.Name)
		}
		names, totals = append(names, page), append(totals, resp.TotalServices)
		link := rec.Header().Get("Link")
		if resp.Next == nil {
			if link != "" {
				t.Errorf("last page has Link %q", link)
			}
			return names, totals
		}
		next := target + "&after=" + url.QueryEscape(*resp.Next)
		if strings.Contains(target, "after=") {
			next = target[:strings.Index(target, "&after=")] + "&after=" + url.QueryEscape(*resp.Next)
		}
		if want := `>; rel="next"`; !strings.HasPrefix(link, "</v1/services?") || !strings.HasSuffix(link, want) ||
			!strings.Contains(link, "after="+url.QueryEscape(*resp.Next)) {
			t.Errorf("Link %q, want </v1/services?...after=%s>%s", link, *resp.Next, want)
		}
		target = next
	}
	t.Fatal("more than 100 pages")
	return nil, nil
}

func TestServicesPaging(t *testing.T) {
	h := testHandler(t, pageSource(t))
	const rng = "/v1/services?from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z"
	tests := []struct {
		target string
		want   [][]string
		total  int
	}{
		{rng + "&limit=3", [][]string{{"b", "a1", "a2"}, {"d", "a3", "e|x&y z"}, {"c"}}, 7},
		{rng + "&limit=7", [][]string{{"b", "a1", "a2", "d", "a3", "e|x&y z", "c"}}, 7},
		{rng + "&limit=6", [][]string{{"b", "a1", "a2", "d", "a3", "e|x&y z"}, {"c"}}, 7},
		{rng + "&limit=2&prefix=a", [][]string{{"a1", "a2"}, {"a3"}}, 3},
		{rng + "&prefix=zz", [][]string{nil}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			got, totals := pages(t, h, tt.target)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			for i, n := range totals {
				if n != tt.total {
					t.Errorf("page %d: total_services %d, want %d", i+1, n, tt.total)
				}
			}
		})
	}
}

// TestServicesPagingCSV: a CSV page has the JSON page's rows, and its next
// page in the Link header.
func TestServicesPagingCSV(t *testing.T) {
	h := testHandler(t, pageSource(t))
	target := "/v1/services?from=2024-05-01T12:00:00Z&to=2024-05-01T12:10:00Z&limit=4&format=csv"
	var got []string
	for range 10 {
		rec := serve(t, h, "GET", target)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if n := rec.Header().Get("X-Total-Services"); n != "7" {
			t.Errorf("X-Total-Services %q, want 7", n)
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[1:] {
			got = append(got, r[0])
		}
		link := rec.Header().Get("Link")
		if link == "" {
			break
		}
		target = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	}
	if want := []string{"b", "a1", "a2", "d", "a3", "e|x&y z", "c"}; !slices.Equal(got, want) {
		t.Errorf("CSV pages %q, want %q", got, want)
	}
}

// TestServicesCacheFollowsSource drives the settled-totals cache through
// what the view does (new windows, windows turning final, late rewrites of
// final windows, pruning, ranges that slide, grow and jump) and checks
// each answer against a plain merge of the source.
func TestServicesCacheFollowsSource(t *testing.T) {
	f := newFakeSource()
	now := ts(t, "2024-05-01T12:00:00Z")
	h := New(Config{Source: f, Window: time.Minute, Grace: time.Minute, Now: func() time.Time { return now }})
	rnd := rand.New(rand.NewPCG(1, 2))
	var pruned time.Time
	for step := range 200 {
		// Events in the last few windows, some of them final already.
		for range rnd.IntN(30) {
			w := now.Truncate(time.Minute).Add(-time.Duration(rnd.IntN(6)) * time.Minute)
			if w.Before(pruned) {
				continue
			}
			var c table.Counts
			c[rnd.IntN(codecs.NumLevels)] = int64(1 + rnd.IntN(5))
			f.add(fmt.Sprint("svc-", rnd.IntN(40)), w, c, table.Counts{})
		}
		if rnd.IntN(4) > 0 {
			now = now.Add(time.Duration(rnd.IntN(90)) * time.Second)
		}
		f.mu.Lock()
		f.watermark = now.Add(-30 * time.Second)
		if step%50 == 49 { // retention: windows before a cutoff go, unlogged
			pruned = now.Add(-20 * time.Minute).Truncate(time.Minute)
			for k := range f.windows {
				if k.start < pruned.Unix() {
					delete(f.windows, k)
				}
			}
		}
		f.mu.Unlock()
		for _, rng := range []string{"from=-10m", "from=-30m&to=-3m", "from=2024-05-01T12:05:00Z&to=2024-05-01T13:00:00Z"} {
			want := mergedServices(t, f, h, "/v1/services?"+rng)
			var names []string
			for _, s := range want {
				names = append(names, s.Name)
			}
			got, _ := pages(t, h, "/v1/services?limit=7&"+rng)
			if diff := cmp.Diff(names, slices.Concat(got...)); diff != "" {
				t.Fatalf("step %d, %s (-merge +paged):\n%s", step, rng, diff)
			}
			rec := serve(t, h, "GET", "/v1/services?limit=1000&"+rng)
			if diff := cmp.Diff(want, decode[servicesResponse](t, rec).Services, cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(serviceCount{})); diff != "" {
				t.Fatalf("step %d, %s (-merge +served):\n%s", step, rng, diff)
			}
		}
	}
}

// mergedServices is the answer to target from a plain merge of f, busiest
// first.
func mergedServices(t *testing.T, f *fakeSource, h http.Handler, target string) []serviceCount {
	t.Helper()
	rec := serve(t, h, "GET", target+"&limit=1") // the range as the handler reads it
	resp := decode[servicesResponse](t, rec)
	var rows []pageRow
	for name, c := range f.Services(resp.From, resp.To) {
		if c.Total() > 0 {
			rows = append(rows, pageRow{name: name, counts: c, total: c.Total()})
		}
	}
	slices.SortFunc(rows, servicesOrder)
	var out []serviceCount
	for _, r := range rows {
		out = append(out, newServiceCount(r.name, r.counts))
	}
	return out
}
