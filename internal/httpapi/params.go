package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/durfmt"
)

// defaultSpan is the range served when the request has no from.
const defaultSpan = time.Hour

// The times the API accepts. The lower bound keeps unix seconds and window
// alignment non-negative; the upper one is the last year RFC 3339 can write.
var (
	minTime = time.Unix(0, 0).UTC()
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

const timeFormats = "RFC 3339 (2024-05-01T12:00:00Z), unix seconds, now, or a time before now like -15m"

// parseTime reads the time parameter param: RFC 3339, unix seconds, "now",
// or a negative Go duration relative to now. The result is in UTC.
func parseTime(param, v string, now time.Time) (time.Time, error) {
	var t time.Time
	switch {
	case strings.EqualFold(v, "now"):
		t = now
	case isDigits(v):
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec > maxTime.Unix() {
			return time.Time{}, paramErrorf(param, "%s: %s is too large for unix seconds; if it is milliseconds, divide by 1000", param, v)
		}
		t = time.Unix(sec, 0)
	case strings.HasPrefix(v, "-"):
		d, err := time.ParseDuration(v)
		if err != nil {
			hint := ""
			if strings.HasSuffix(v, "d") || strings.HasSuffix(v, "w") {
				hint = " (Go durations have no days: use hours, e.g. -24h)"
			}
			return time.Time{}, paramErrorf(param, "%s: cannot read %q as a time before now: want a duration like -15m or -2h%s", param, v, hint)
		}
		t = now.Add(d)
	default:
		var err error
		t, err = time.Parse(time.RFC3339, v)
		if err != nil && strings.Contains(v, " ") {
			// An unescaped '+' in a query string arrives as a space, and
			// an RFC 3339 time has no spaces, so this can only be an offset.
			t, err = time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+"))
		}
		if err != nil {
			if _, derr := time.ParseDuration(v); derr == nil {
				return time.Time{}, paramErrorf(param, "%s: a time relative to now needs a leading '-', e.g. -%s", param, v)
			}
			return time.Time{}, paramErrorf(param, "%s: cannot read %q as a time: want %s", param, v, timeFormats)
		}
	}
	t = t.UTC()
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, paramErrorf(param, "%s: %s is out of range: want a time from %s to %s",
			param, t.Format(time.RFC3339), minTime.Format(time.RFC3339), maxTime.Format(time.RFC3339))
	}
	return t, nil
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// parseRange reads from and to, not yet aligned. Defaults: to is now and
// from is an hour before to.
func parseRange(q url.Values, now time.Time) (from, to time.Time, err error) {
	to = now.UTC()
	if v := q.Get("to"); v != "" {
		if to, err = parseTime("to", v, now); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	from = to.Add(-defaultSpan)
	if v := q.Get("from"); v != "" {
		if from, err = parseTime("from", v, now); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if !from.Before(to) {
		return time.Time{}, time.Time{}, paramErrorf("from", "from (%s) must be before to (%s)",
			from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// alignRange widens [from, to) to whole steps: from down, to up, so that a
// partial last step is served.
func alignRange(from, to time.Time, step time.Duration) (time.Time, time.Time, error) {
	from, to = alignDown(from, step), alignUp(to, step)
	if to.After(maxTime) {
		return time.Time{}, time.Time{}, paramErrorf("to", "to rounded up to the step %s is after %s: use an earlier to or a smaller step",
			durfmt.Short(step), maxTime.Format(time.RFC3339))
	}
	return from, to, nil
}

// alignDown returns the start of the step that holds t, counting steps from
// the Unix epoch. step is a whole number of seconds.
func alignDown(t time.Time, step time.Duration) time.Time {
	sec, n := t.Unix(), int64(step/time.Second)
	r := sec % n
	if r < 0 {
		r += n
	}
	return time.Unix(sec-r, 0).UTC()
}

// alignUp returns t if it starts a step and the start of the next step
// otherwise.
func alignUp(t time.Time, step time.Duration) time.Time {
	d := alignDown(t, step)
	if d.Equal(t) {
		return d
	}
	return d.Add(step)
}

// parseStep reads step, a positive multiple of window given as a Go
// duration or whole seconds; empty means window.
func parseStep(v string, window time.Duration) (time.Duration, error) {
	if v == "" {
		return window, nil
	}
	var step time.Duration
	if isDigits(v) {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil || sec > int64(maxTime.Sub(minTime)/time.Second) {
			return 0, paramErrorf("step", "step: %s seconds is too large", v)
		}
		step = time.Duration(sec) * time.Second
	} else {
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, paramErrorf("step", "step: cannot read %q: want a duration like %s or whole seconds like %d",
				v, durfmt.Short(5*window), int64(5*window/time.Second))
		}
		step = d
	}
	if step <= 0 || step%window != 0 {
		return 0, paramErrorf("step", "step must be a positive multiple of the window size %s, e.g. %s", window, durfmt.Short(5*window))
	}
	return step, nil
}

// levelsQuery is a parsed /v1/levels request.
type levelsQuery struct {
	from, to time.Time // aligned to step
	step     time.Duration
	size     time.Duration // each point sums the size ending at its step's end
	points   int           // steps in [from, to)
	service  string
	levels   levelSet // nil: every level
}

func (s *server) parseLevels(r *http.Request) (levelsQuery, error) {
	q := r.URL.Query()
	step, err := parseStep(q.Get("step"), s.window)
	if err != nil {
		return levelsQuery{}, err
	}
	rawFrom, rawTo, err := parseRange(q, s.now())
	if err != nil {
		return levelsQuery{}, err
	}
	from, to, err := alignRange(rawFrom, rawTo, step)
	if err != nil {
		return levelsQuery{}, err
	}
	if n := countSteps(from, to, step); n > int64(s.maxPoints) {
		return levelsQuery{}, paramErrorf("step",
			"%s to %s is %d steps of %s, more than the limit of %d: use a larger step, e.g. %s, or a shorter range",
			from.Format(time.RFC3339), to.Format(time.RFC3339), n, durfmt.Short(step), s.maxPoints,
			durfmt.Short(s.fittingStep(rawFrom, rawTo)))
	}
	size := step
	if v := q.Get("size"); v != "" {
		if size, err = parseStep(v, s.window); err != nil {
			return levelsQuery{}, paramErrorf("size", "%s", strings.Replace(err.Error(), "step", "size", -1))
		}
		if size%step != 0 || int64(size/step) > int64(s.maxPoints) {
			return levelsQuery{}, paramErrorf("size",
				"size must be a multiple of step (%s) and at most %d steps: e.g. size=%s&step=%s gives each point the %s ending there",
				durfmt.Short(step), s.maxPoints, durfmt.Short(5*step), durfmt.Short(step), durfmt.Short(5*step))
		}
	}
	levels, err := parseLevels(q["level"])
	if err != nil {
		return levelsQuery{}, err
	}
	return levelsQuery{
		levels:  levels,
		from:    from,
		to:      to,
		step:    step,
		size:    size,
		points:  int(countSteps(from, to, step)),
		service: q.Get("service"),
	}, nil
}

// levelSet is the levels a request asked for, in level order; nil means
// every level.
type levelSet []codecs.Level

// parseLevels reads repeated (or comma-separated) level parameters.
func parseLevels(values []string) (levelSet, error) {
	var want [codecs.NumLevels]bool
	n := 0
	for _, v := range values {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			l, err := parseLevel("level", name)
			if err != nil {
				return nil, err
			}
			if !want[l] {
				want[l] = true
				n++
			}
		}
	}
	if n == 0 {
		return nil, nil
	}
	set := make(levelSet, 0, n)
	for _, l := range codecs.Levels() {
		if want[l] {
			set = append(set, l)
		}
	}
	return set, nil
}

// parseLevel reads one canonical level name.
func parseLevel(param, v string) (codecs.Level, error) {
	l, ok := codecs.LevelByName(v)
	if !ok {
		names := make([]string, 0, codecs.NumLevels)
		for _, l := range codecs.Levels() {
			names = append(names, l.String())
		}
		return 0, paramErrorf(param, "%s: unknown level %q: want one of %s", param, v, strings.Join(names, ", "))
	}
	return l, nil
}

// mask keeps the counts of the set's levels.
func (ls levelSet) mask(c codecs.Counts) codecs.Counts {
	if ls == nil {
		return c
	}
	var out codecs.Counts
	for _, l := range ls {
		out[l] = c[l]
	}
	return out
}

// list is the set, or every level when it is nil.
func (ls levelSet) list() []codecs.Level {
	if ls == nil {
		return codecs.Levels()
	}
	return ls
}

// countSteps is the number of steps in [from, to), both aligned to step.
// It works in seconds because to-from can be longer than a time.Duration.
func countSteps(from, to time.Time, step time.Duration) int64 {
	return (to.Unix() - from.Unix()) / int64(step/time.Second)
}

// fittingStep suggests a step, a multiple of the window, that serves the
// range within the point limit. Alignment can add a step at either end, so
// it tries a few multiples past the first estimate.
func (s *server) fittingStep(from, to time.Time) time.Duration {
	win := int64(s.window / time.Second)
	per := win * int64(s.maxPoints)
	k := (to.Unix() - from.Unix() + per - 1) / per
	step := time.Duration(k*win) * time.Second
	for range 4 {
		f, t := alignDown(from, step), alignUp(to, step)
		if countSteps(f, t, step) <= int64(s.maxPoints) {
			break
		}
		step += s.window
	}
	return step
}

// servicesQuery is a parsed /v1/services request.
type servicesQuery struct {
	from, to time.Time // aligned to the window
	limit    int
	after    *servicesCursor // nil: the first page
	prefix   string
}

// Page sizes of /v1/services.
const (
	defaultServicesLimit = 100
	maxServicesLimit     = 1000
)

// parseServicesPage reads a /v1/services request: the range, and limit,
// after and prefix.
func (s *server) parseServicesPage(r *http.Request) (servicesQuery, error) {
	q, err := s.parseServices(r)
	if err != nil {
		return servicesQuery{}, err
	}
	v := r.URL.Query()
	q.limit = defaultServicesLimit
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxServicesLimit {
			return servicesQuery{}, paramErrorf("limit", "limit: want a whole number from 1 to %d, got %q; page on with after", maxServicesLimit, l)
		}
		q.limit = n
	}
	if a := v.Get("after"); a != "" {
		c, err := parseServicesCursor(a)
		if err != nil {
			return servicesQuery{}, err
		}
		q.after = &c
	}
	q.prefix = v.Get("prefix")
	return q, nil
}

func (s *server) parseServices(r *http.Request) (servicesQuery, error) {
	from, to, err := parseRange(r.URL.Query(), s.now())
	if err != nil {
		return servicesQuery{}, err
	}
	from, to, err = alignRange(from, to, s.window)
	if err != nil {
		return servicesQuery{}, err
	}
	return servicesQuery{from: from, to: to}, nil
}
