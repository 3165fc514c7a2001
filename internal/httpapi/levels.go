package httpapi

import (
	"net/http"
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// levelsResponse is the body of GET /v1/levels.
type levelsResponse struct {
	From        time.Time        `json:"from"`
	To          time.Time        `json:"to"`
	StepSeconds int64            `json:"step_seconds"`
	Service     string           `json:"service,omitempty"`
	Watermark   *time.Time       `json:"watermark"` // null when unknown
	Windows     []levelsWindow   `json:"windows"`
	Totals      map[string]int64 `json:"totals"`
	Total       int64            `json:"total"`
}

// levelsWindow is one step of the series.
type levelsWindow struct {
	Start  time.Time        `json:"start"`
	End    time.Time        `json:"end"`
	Counts map[string]int64 `json:"counts"`
	Total  int64            `json:"total"`
	Final  bool             `json:"final"`
	Late   int64            `json:"late"`
}

// handleLevels serves counts per level as a dense series of steps.
func (s *server) handleLevels(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseLevels(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, s.levels(q))
}

func (s *server) levels(q levelsQuery) levelsResponse {
	// The watermark is read before the counts: with a newer watermark than
	// the counts, a window could be called final while its last deltas are
	// still missing from the answer.
	wm := s.src.Watermark()
	type step struct{ counts, late codecs.Counts }
	steps := make([]step, q.points)
	fromSec, stepSec := q.from.Unix(), int64(q.step/time.Second)
	for _, bw := range s.src.Windows(q.from, q.to, q.service) {
		// The Source promises [from, to); checking costs nothing and keeps
		// a stray window from indexing out of range.
		if bw.Start.Before(q.from) || !bw.Start.Before(q.to) {
			continue
		}
		i := (bw.Start.Unix() - fromSec) / stepSec
		steps[i].counts.Add(bw.Counts)
		steps[i].late.Add(bw.Late)
	}

	resp := levelsResponse{
		From:        q.from,
		To:          q.to,
		StepSeconds: stepSec,
		Service:     q.service,
		Windows:     make([]levelsWindow, len(steps)),
	}
	if !wm.IsZero() {
		u := wm.UTC()
		resp.Watermark = &u
	}
	var totals codecs.Counts
	for i, st := range steps {
		// Unix seconds, not q.from.Add(i*step): i*step can overflow a
		// Duration when the step is years long.
		start := time.Unix(fromSec+int64(i)*stepSec, 0).UTC()
		end := time.Unix(fromSec+int64(i+1)*stepSec, 0).UTC()
		resp.Windows[i] = levelsWindow{
			Start:  start,
			End:    end,
			Counts: st.counts.Map(),
			Total:  st.counts.Total(),
			// Every base window in the step ends by end, so the step
			// is final when its last one is.
			Final: !wm.IsZero() && !end.Add(s.grace).After(wm),
			Late:  st.late.Total(),
		}
		totals.Add(st.counts)
	}
	resp.Totals = totals.Map()
	resp.Total = totals.Total()
	return resp
}
