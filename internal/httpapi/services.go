package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// servicesResponse is the body of GET /v1/services: one page of services,
// busiest first.
type servicesResponse struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Limit int       `json:"limit"`
	// TotalServices counts the services with events in the range (that
	// match the prefix), over all pages.
	TotalServices int `json:"total_services"`
	// Next is the after parameter of the next page; null on the last.
	Next     *string        `json:"next"`
	Services []serviceCount `json:"services"`
}

// serviceCount is one service's counts over the range.
type serviceCount struct {
	Name   string           `json:"name"`
	Counts map[string]int64 `json:"counts"`
	Total  int64            `json:"total"`
	// ErrorRatio is (ERROR + FATAL) / total, 0 without events.
	ErrorRatio float64 `json:"error_ratio"`

	counts table.Counts
}

func newServiceCount(name string, c table.Counts) serviceCount {
	sc := serviceCount{Name: name, Counts: c.Map(), Total: c.Total(), counts: c}
	if sc.Total > 0 {
		sc.ErrorRatio = float64(c[codecs.LevelError]+c[codecs.LevelFatal]) / float64(sc.Total)
	}
	return sc
}

// handleServices serves one page of counts per service, busiest first. The
// next page's link is in the body (next) and, for CSV too, in a Link
// header; X-Total-Services counts the services over all pages.
func (s *server) handleServices(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseServicesPage(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp := s.services(q)
	h := w.Header()
	h.Set("X-Total-Services", strconv.Itoa(resp.TotalServices))
	if resp.Next != nil {
		next := r.URL.Query()
		next.Set("after", *resp.Next)
		h.Set("Link", "<"+r.URL.Path+"?"+next.Encode()+`>; rel="next"`)
	}
	s.respond(w, r, resp)
}

// services answers q: the settled totals of the final windows (cached,
// see servicescache.go) plus a merge of the windows still open, which hold
// at most the services of a few windows.
func (s *server) services(q servicesQuery) servicesResponse {
	end := q.from
	if wm := s.src.Watermark(); !wm.IsZero() {
		// A window starting at ws is final once ws+window+grace <= wm.
		if last := wm.Add(-s.window - s.grace); !last.Before(minTime) {
			end = alignDown(last, s.window).Add(s.window)
		}
	}
	if end.Before(q.from) {
		end = q.from
	}
	if end.After(q.to) {
		end = q.to
	}

	s.servicesMu.Lock()
	var base *settled
	if end.After(q.from) {
		base = s.servicesCache.get(s.src, s.window, q.from, end)
	}
	var live map[string]table.Counts
	if end.Before(q.to) {
		live = s.src.Services(end, q.to)
	}
	page := pickPage(base, live, q)
	s.servicesMu.Unlock()

	resp := servicesResponse{
		From: q.from, To: q.to, Limit: q.limit, TotalServices: page.matched,
		Services: make([]serviceCount, len(page.rows)),
	}
	for i, row := range page.rows {
		resp.Services[i] = newServiceCount(row.name, row.counts)
	}
	if page.more {
		last := page.rows[len(page.rows)-1]
		next := servicesCursor{total: last.total, name: last.name}.String()
		resp.Next = &next
	}
	return resp
}

func (sr servicesResponse) csvTable() ([]string, [][]string) {
	header := []string{"name", "total", "error_ratio"}
	for _, l := range codecs.Levels() {
		header = append(header, l.String())
	}
	rows := make([][]string, len(sr.Services))
	for i, sc := range sr.Services {
		rows[i] = sc.csvRow()
	}
	return header, rows
}

func (sc serviceCount) csvRow() []string {
	row := []string{sc.Name, itoa(sc.Total), strconv.FormatFloat(sc.ErrorRatio, 'g', 6, 64)}
	for _, l := range codecs.Levels() {
		row = append(row, itoa(sc.counts[l]))
	}
	return row
}

// serviceResponse is the body of GET /v1/services/{name}: the service's
// counts over the range with its latest errors and most frequent error
// messages.
type serviceResponse struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	serviceCount
	RecentErrors []eventJSON   `json:"recent_errors"`
	TopErrors    []messageJSON `json:"top_errors"`
}

func (s *server) handleService(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	q, err := s.parseServices(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// One service's windows, not the merge of every service's.
	windows := s.src.Windows(q.from, q.to, name)
	var c table.Counts
	for _, w := range windows {
		c.Add(w.Counts)
	}
	if len(windows) == 0 {
		s.writeError(w, r, fmt.Errorf("%w: no events of service %q from %s to %s", errNotFound, name,
			q.from.Format(time.RFC3339), q.to.Format(time.RFC3339)))
		return
	}
	const n = 5
	resp := serviceResponse{From: q.from, To: q.to, serviceCount: newServiceCount(name, c)}
	resp.RecentErrors = toEventJSON(s.src.Events(codecs.LevelError, name, q.from, q.to, n))
	counts, _ := s.src.Messages(codecs.LevelError, name, q.from, q.to)
	resp.TopErrors = topMessages(counts, c[codecs.LevelError], n)
	s.respond(w, r, resp)
}

func (sr serviceResponse) csvTable() ([]string, [][]string) {
	header, _ := servicesResponse{}.csvTable()
	return header, [][]string{sr.csvRow()}
}
