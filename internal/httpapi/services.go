package httpapi

import (
	"cmp"
	"net/http"
	"slices"
	"time"
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
}

// handleServices serves counts per service, busiest first.
func (s *server) handleServices(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseServices(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.services(q))
}

func (s *server) services(q servicesQuery) servicesResponse {
	byName := s.src.Services(q.from, q.to)
	resp := servicesResponse{
		From:     q.from,
		To:       q.to,
		Services: make([]serviceCount, 0, len(byName)),
	}
	for name, c := range byName {
		resp.Services = append(resp.Services, serviceCount{Name: name, Counts: c.Map(), Total: c.Total()})
	}
	slices.SortFunc(resp.Services, func(a, b serviceCount) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Name, b.Name))
	})
	return resp
}
