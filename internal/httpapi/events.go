package httpapi

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// Limits of /v1/events and /v1/top.
const (
	defaultEvents = 50
	maxEvents     = 1000
	defaultTopK   = 10
	maxTopK       = 100
)

// eventsResponse is the body of GET /v1/events.
type eventsResponse struct {
	Level   string    `json:"level"`
	Service string    `json:"service,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	levelAnswer
	Events []eventJSON `json:"events"`
}

type eventJSON struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"`
	Service string    `json:"service"`
	Host    string    `json:"host,omitempty"`
	Message string    `json:"message"`
}

func toEventJSON(evs []view.Event) []eventJSON {
	out := make([]eventJSON, len(evs))
	for i, e := range evs {
		out[i] = eventJSON{Time: e.Time.UTC(), Level: e.Level.String(), Service: e.Service, Host: e.Host, Message: e.Message}
	}
	return out
}

// handleEvents serves the newest sampled events of a level, and how many
// events of it the range held (see levelAnswer). Any level may be asked
// for: one that is not sampled answers its count and no events.
func (s *server) handleEvents(w http.ResponseWriter, r *http.Request) {
	sq, err := s.parseEvents(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respond(w, r, eventsResponse{
		Level: sq.level.String(), Service: sq.service, From: sq.from, To: sq.to,
		levelAnswer: s.answerLevel(sq),
		Events:      toEventJSON(s.src.Events(sq.level, sq.service, sq.from, sq.to, sq.n)),
	})
}

func (er eventsResponse) csvTable() ([]string, [][]string) {
	rows := make([][]string, len(er.Events))
	for i, e := range er.Events {
		rows[i] = []string{e.Time.Format(time.RFC3339Nano), e.Level, e.Message, e.Service, e.Host}
	}
	// The columns of a CSV log store (timestamp, level, message) first, so
	// a pandas query written for one reads this unchanged.
	return []string{"timestamp", "level", "message", "service", "host"}, rows
}

// topResponse is the body of GET /v1/top.
type topResponse struct {
	Level   string    `json:"level"`
	Service string    `json:"service,omitempty"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// Total is the count of the level over the range; Other the part of it
	// whose message template was not kept, Untracked the part with no
	// template at all (windows written before templates were kept). The
	// counts are exact when both are 0; else each may be up to their sum
	// too low.
	Total     int64         `json:"total"`
	Other     int64         `json:"other"`
	Untracked int64         `json:"untracked"`
	Exact     bool          `json:"exact"`
	Messages  []messageJSON `json:"messages"`
}

type messageJSON struct {
	Template string  `json:"template"`
	Count    int64   `json:"count"`
	Share    float64 `json:"share"` // of the level's events in the range
}

// handleTop serves the most frequent message templates of a level.
func (s *server) handleTop(w http.ResponseWriter, r *http.Request) {
	sq, err := s.parseSampled(r, "k", defaultTopK, maxTopK)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lv, service, k := sq.level, sq.service, sq.n
	rq := servicesQuery{from: sq.from, to: sq.to}
	var total table.Counts
	for _, win := range s.src.Windows(rq.from, rq.to, service) {
		total.Add(win.Counts)
	}
	counts, other := s.src.Messages(lv, service, rq.from, rq.to)
	untracked := total[lv] - other
	for _, n := range counts {
		untracked -= n
	}
	untracked = max(untracked, 0)
	s.respond(w, r, topResponse{
		Level: lv.String(), Service: service, From: rq.from, To: rq.to,
		Total: total[lv], Other: other, Untracked: untracked, Exact: other == 0 && untracked == 0,
		Messages: topMessages(counts, total[lv], k),
	})
}

// topMessages returns the k most frequent templates, ties by text.
func topMessages(counts map[string]int64, total int64, k int) []messageJSON {
	out := make([]messageJSON, 0, len(counts))
	for t, n := range counts {
		m := messageJSON{Template: t, Count: n}
		if total > 0 {
			m.Share = float64(n) / float64(total)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b messageJSON) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Template, b.Template))
	})
	return out[:min(len(out), k)]
}

func (tr topResponse) csvTable() ([]string, [][]string) {
	rows := make([][]string, len(tr.Messages))
	for i, m := range tr.Messages {
		rows[i] = []string{m.Template, itoa(m.Count), strconv.FormatFloat(m.Share, 'g', 6, 64)}
	}
	return []string{"template", "count", "share"}, rows
}

// sampledQuery is a parsed /v1/events or /v1/top request.
type sampledQuery struct {
	level    codecs.Level
	service  string
	from, to time.Time // aligned to the window
	n        int       // limit or k
}

// parseSampled reads level, service, the range and the count parameter
// param (limit or k: def when absent, at most max).
func (s *server) parseSampled(r *http.Request, param string, def, most int) (sampledQuery, error) {
	q := r.URL.Query()
	lv, err := s.sampledLevel(q)
	if err != nil {
		return sampledQuery{}, err
	}
	n, err := intParam(q, param, def, most)
	if err != nil {
		return sampledQuery{}, err
	}
	rq, err := s.parseServices(r)
	if err != nil {
		return sampledQuery{}, err
	}
	return sampledQuery{level: lv, service: q.Get("service"), from: rq.from, to: rq.to, n: n}, nil
}

// sampledLevel reads level (default ERROR), which must be one the pipeline
// keeps samples and messages of.
func (s *server) sampledLevel(q url.Values) (codecs.Level, error) {
	v := q.Get("level")
	if v == "" {
		return codecs.LevelError, nil
	}
	lv, err := parseLevel("level", v)
	if err != nil {
		return 0, err
	}
	if lv < table.SampledLevel {
		return 0, paramErrorf("level", "level: events and messages are kept for %s and more severe levels only, not %s", table.SampledLevel, lv)
	}
	return lv, nil
}

// intParam reads a positive integer parameter no larger than limit.
func intParam(q url.Values, param string, def, limit int) (int, error) {
	v := q.Get(param)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > limit {
		return 0, paramErrorf(param, "%s must be a whole number from 1 to %d, got %q", param, limit, v)
	}
	return n, nil
}
