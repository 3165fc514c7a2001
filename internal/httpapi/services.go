package httpapi

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// servicesResponse is the body of GET /v1/services.
type servicesResponse struct {
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	Services []serviceCount `json:"services"`
}

// serviceCount is one service's counts over the range.
type serviceCount struct {
	Name   string           `json:"name"`
	Counts map[string]int64 `json:"counts"`
	Total  int64            `json:"total"`
	// ErrorRatio is (ERROR + FATAL) / total, 0 without events.
	ErrorRatio float64 `json:"error_ratio"`

	counts codecs.Counts
}

func newServiceCount(name string, c codecs.Counts) serviceCount {
	sc := serviceCount{Name: name, Counts: c.Map(), Total: c.Total(), counts: c}
	if sc.Total > 0 {
		sc.ErrorRatio = float64(c[codecs.LevelError]+c[codecs.LevelFatal]) / float64(sc.Total)
	}
	return sc
}

// handleServices serves counts per service, busiest first.
func (s *server) handleServices(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseServices(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, s.services(q))
}

func (s *server) services(q servicesQuery) servicesResponse {
	byName := s.src.Services(q.from, q.to)
	resp := servicesResponse{
		From:     q.from,
		To:       q.to,
		Services: make([]serviceCount, 0, len(byName)),
	}
	for name, c := range byName {
		resp.Services = append(resp.Services, newServiceCount(name, c))
	}
	slices.SortFunc(resp.Services, func(a, b serviceCount) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Name, b.Name))
	})
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
	c, ok := s.src.Services(q.from, q.to)[name]
	if !ok {
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
