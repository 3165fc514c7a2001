package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// levelAnswer is what /v1/events says about the level asked for besides
// its samples: every level is counted exactly, but events are kept (a few
// per service and window) only from table.SampledLevel up. A user of a
// CSV log store asking for INFO gets the count and a note, not silence.
type levelAnswer struct {
	// Count is how many events of the level the range held (exact, from
	// the same counts as /v1/levels).
	Count int64 `json:"count"`
	// Sampled reports whether events of the level are kept at all.
	Sampled       bool     `json:"sampled"`
	SampledLevels []string `json:"sampled_levels"`
	// SamplesPerWindow is how many events of a sampled level are kept per
	// service and window: the newest.
	SamplesPerWindow int    `json:"samples_per_window"`
	Note             string `json:"note"`
}

// sampledLevels are the levels events are kept of, least severe first.
func sampledLevels() []string {
	var out []string
	for lv := table.SampledLevel; int(lv) < codecs.NumLevels; lv++ {
		out = append(out, lv.String())
	}
	return out
}

// answerLevel counts sq's level over its range and says what the events
// list holds.
func (s *server) answerLevel(sq sampledQuery) levelAnswer {
	var total table.Counts
	for _, win := range s.src.Windows(sq.from, sq.to, sq.service) {
		total.Add(win.Counts)
	}
	a := levelAnswer{
		Count: total[sq.level], Sampled: sq.level >= table.SampledLevel,
		SampledLevels: sampledLevels(), SamplesPerWindow: table.SamplesPerLevel,
	}
	lv, sampled := sq.level.String(), strings.Join(a.SampledLevels, ", ")
	if a.Sampled {
		a.Note = fmt.Sprintf("%d %s events in the range; events lists the newest kept ones, at most %d per service and window",
			a.Count, lv, table.SamplesPerLevel)
	} else {
		a.Note = fmt.Sprintf("%d %s events in the range; %s events are counted, not kept (events are kept for %s only): "+
			"counts per window are at /v1/levels/%s", a.Count, lv, lv, sampled, lv)
	}
	return a
}

// parseEvents reads the parameters of /v1/events: those of /v1/top, but
// any level.
func (s *server) parseEvents(r *http.Request) (sampledQuery, error) {
	q := r.URL.Query()
	lv := codecs.LevelError
	if v := q.Get("level"); v != "" {
		var err error
		if lv, err = parseLevel("level", v); err != nil {
			return sampledQuery{}, err
		}
	}
	n, err := intParam(q, "limit", defaultEvents, maxEvents)
	if err != nil {
		return sampledQuery{}, err
	}
	rq, err := s.parseServices(r)
	if err != nil {
		return sampledQuery{}, err
	}
	return sampledQuery{level: lv, service: q.Get("service"), from: rq.from, to: rq.to, n: n}, nil
}
