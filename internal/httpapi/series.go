package httpapi

import (
	"net/http"
	"strconv"
	"time"
)

// seriesResponse is the body of GET /v1/levels/{level}: one level's counts.
type seriesResponse struct {
	Level       string         `json:"level"`
	From        time.Time      `json:"from"`
	To          time.Time      `json:"to"`
	StepSeconds int64          `json:"step_seconds"`
	SizeSeconds int64          `json:"size_seconds"`
	Service     string         `json:"service,omitempty"`
	Watermark   *time.Time     `json:"watermark"`
	Windows     []seriesWindow `json:"windows"`
	Total       int64          `json:"total"`
}

// seriesWindow is one step of a one-level series.
type seriesWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Count int64     `json:"count"`
	Final bool      `json:"final"`
	Late  int64     `json:"late"`
}

// handleLevel serves one level's series; the query is /v1/levels' without
// level=.
func (s *server) handleLevel(w http.ResponseWriter, r *http.Request) {
	lv, err := parseLevel("level", r.PathValue("level"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.URL.Query().Has("level") {
		s.writeError(w, r, paramErrorf("level", "the level is in the path (/v1/levels/%s); use /v1/levels?level=... to pick several", lv))
		return
	}
	q, err := s.parseLevels(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.levels = levelSet{lv}
	all := s.levels(q)
	resp := seriesResponse{
		Level: lv.String(), From: all.From, To: all.To, StepSeconds: all.StepSeconds, SizeSeconds: all.SizeSeconds,
		Service: all.Service, Watermark: all.Watermark, Windows: make([]seriesWindow, len(all.Windows)), Total: all.Total,
	}
	for i, w := range all.Windows {
		resp.Windows[i] = seriesWindow{Start: w.Start, End: w.End, Count: w.Total, Final: w.Final, Late: w.Late}
	}
	s.respond(w, r, resp)
}

func (sr seriesResponse) csvTable() ([]string, [][]string) {
	rows := make([][]string, len(sr.Windows))
	for i, w := range sr.Windows {
		rows[i] = []string{csvTime(w.Start), csvTime(w.End), itoa(w.Count), itoa(w.Late), strconv.FormatBool(w.Final)}
	}
	return []string{"start", "end", "count", "late", "final"}, rows
}
