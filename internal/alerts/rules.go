package alerts

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/durfmt"
)

// Limits that keep the engine's memory bounded: it holds the counts of the
// last windows any rule looks at (see Rule.history).
const (
	maxHistory = 1440 // windows: a day of one-minute windows
	maxFor     = 1000 // windows
)

// Defaults of the rule file's optional fields.
const (
	DefaultMinEvents     = 20
	DefaultSpikeZ        = 3
	DefaultSpikeLookback = 30
	DefaultSpikeMinCount = 10
)

// Rule is one alert rule, evaluated per service on every final window.
// Exactly one of Count, Ratio and Spike is set.
type Rule struct {
	// Name identifies the rule in alert IDs: unique, no '|'.
	Name string
	// Levels are the levels counted, each one (there is no "and above").
	// Empty means ERROR and FATAL.
	Levels []codecs.Level
	// Service restricts the rule to one service (exact name); empty
	// evaluates every service separately.
	Service string
	// Over is the span the rule counts, ending with the evaluated window: a
	// multiple of the window; zero means one window.
	Over time.Duration
	// For is how many consecutive evaluated windows the condition must hold
	// before the alert fires; zero means 1.
	For int

	// Count holds when the count over Over is above *Count.
	Count *int64
	// Ratio holds when count/total over Over is above *Ratio, in (0, 1],
	// and total is at least MinEvents.
	Ratio *float64
	// MinEvents applies to Ratio only: fewer events over Over never hold,
	// so one ERROR among two events does not page. ParseRules defaults it
	// to DefaultMinEvents.
	MinEvents int64
	// Spike holds when the count over Over stands out from the service's
	// own history.
	Spike *Spike
}

// Spike compares a window's count with the counts of the same rule over
// the previous Lookback windows of the same service: it holds when the
// count is at least MinCount and its z-score, (count - mean) / stddev, is
// above Z. The stddev is floored at max(1, sqrt(mean)), the noise of a
// Poisson count, so a flat history does not turn every small bump into a
// spike (nor divide by zero). It needs the whole lookback: the engine does
// not evaluate it before Lookback windows precede the evaluated one.
type Spike struct {
	Z        float64
	Lookback int
	MinCount int64
}

// DefaultRules are the rules used without a rules file: an ERROR+FATAL
// ratio above 5% over 5 minutes (at least 20 events), and an ERROR+FATAL
// spike (z > 3 against the previous 30 windows, at least 10 events). The
// ratio's span is 5 minutes rounded up to a multiple of window.
func DefaultRules(window time.Duration) []Rule {
	over := 5 * time.Minute
	if window > 0 && over%window != 0 {
		over = (over/window + 1) * window
	}
	ratio := 0.05
	return []Rule{
		{Name: "error-ratio", Levels: defaultLevels(), Over: over, Ratio: &ratio, MinEvents: DefaultMinEvents},
		{Name: "error-spike", Levels: defaultLevels(), Spike: &Spike{
			Z: DefaultSpikeZ, Lookback: DefaultSpikeLookback, MinCount: DefaultSpikeMinCount,
		}},
	}
}

func defaultLevels() []codecs.Level { return []codecs.Level{codecs.LevelError, codecs.LevelFatal} }

// Kind names the rule's condition: "count", "ratio" or "spike".
func (r Rule) Kind() string {
	switch {
	case r.Count != nil:
		return "count"
	case r.Ratio != nil:
		return "ratio"
	case r.Spike != nil:
		return "spike"
	}
	return ""
}

// normalize returns r with its zero values replaced by their defaults.
func (r Rule) normalize(window time.Duration) Rule {
	if len(r.Levels) == 0 {
		r.Levels = defaultLevels()
	}
	if r.Over == 0 {
		r.Over = window
	}
	if r.For == 0 {
		r.For = 1
	}
	return r
}

// span is how many windows one evaluation sums.
func (r Rule) span(window time.Duration) int { return int(r.Over / window) }

// history is how many windows, the evaluated one included, the rule needs.
func (r Rule) history(window time.Duration) int {
	n := r.span(window)
	if r.Spike != nil {
		n += r.Spike.Lookback
	}
	return n
}

// validate checks a normalized rule against the window size; messages say
// what to change.
func (r Rule) validate(window time.Duration) error {
	if r.Name == "" {
		return errors.New("a rule needs a name")
	}
	if strings.ContainsFunc(r.Name, func(c rune) bool { return c == '|' || unicode.IsControl(c) }) {
		return fmt.Errorf("rule %q: the name must not contain '|' or control characters (it is part of alert IDs)", r.Name)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("rule %q: "+format, append([]any{r.Name}, args...)...)
	}
	seen := make(map[codecs.Level]bool)
	for _, l := range r.Levels {
		if int(l) >= codecs.NumLevels {
			return fail("level %d does not exist", l)
		}
		if seen[l] {
			return fail("level %s is listed twice", l)
		}
		seen[l] = true
	}
	if r.Over < 0 {
		return fail("over %s is negative", durfmt.Short(r.Over))
	}
	if r.Over%window != 0 {
		return fail("over %s is not a multiple of the %s window", durfmt.Short(r.Over), durfmt.Short(window))
	}
	if r.For < 1 || r.For > maxFor {
		return fail("for %d: want 1 to %d windows", r.For, maxFor)
	}
	n := 0
	for _, set := range []bool{r.Count != nil, r.Ratio != nil, r.Spike != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fail("set exactly one condition of count, ratio and spike (found %d)", n)
	}
	if r.MinEvents < 0 {
		return fail("min_events %d is negative", r.MinEvents)
	}
	if r.MinEvents != 0 && r.Ratio == nil {
		return fail("min_events applies to ratio rules only")
	}
	switch {
	case r.Count != nil && *r.Count < 0:
		return fail("count %d is negative (the rule fires when the count is above it)", *r.Count)
	case r.Ratio != nil && !(*r.Ratio > 0 && *r.Ratio <= 1):
		return fail("ratio %g is outside (0, 1]: write 5%% as 0.05 or \"5%%\"", *r.Ratio)
	case r.Spike != nil && (!(r.Spike.Z > 0) || math.IsInf(r.Spike.Z, 1)):
		return fail("spike z %g: want a positive number such as 3", r.Spike.Z)
	case r.Spike != nil && r.Spike.Lookback < 2:
		return fail("spike lookback %d: want at least 2 windows for a standard deviation", r.Spike.Lookback)
	case r.Spike != nil && r.Spike.MinCount < 0:
		return fail("spike min_count %d is negative", r.Spike.MinCount)
	}
	if h := r.history(window); h > maxHistory {
		return fail("looks at %d windows (over plus spike lookback); at most %d are kept", h, maxHistory)
	}
	return nil
}

// prepare normalizes and validates rules for an engine or a rules file.
func prepare(rules []Rule, window time.Duration) ([]Rule, error) {
	if window <= 0 {
		return nil, fmt.Errorf("window %s: want a positive window size", window)
	}
	out := make([]Rule, len(rules))
	names := make(map[string]bool)
	for i, r := range rules {
		r = r.normalize(window)
		if err := r.validate(window); err != nil {
			return nil, err
		}
		if names[r.Name] {
			return nil, fmt.Errorf("rule %q: the name is used twice", r.Name)
		}
		names[r.Name] = true
		out[i] = r
	}
	return out, nil
}

// levelsName joins the levels for messages: "ERROR+FATAL".
func levelsName(ls []codecs.Level) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = l.String()
	}
	return strings.Join(s, "+")
}

// String describes the rule for people, e.g. "error-ratio: ERROR+FATAL
// ratio > 5% over 5m (min 20 events)".
func (r Rule) String() string {
	lv := levelsName(r.Levels)
	if lv == "" {
		lv = levelsName(defaultLevels())
	}
	var s string
	switch {
	case r.Count != nil:
		s = fmt.Sprintf("%s count > %d", lv, *r.Count)
	case r.Ratio != nil:
		s = fmt.Sprintf("%s ratio > %s", lv, pct(*r.Ratio))
	case r.Spike != nil:
		s = fmt.Sprintf("%s spike z > %g against the previous %d", lv, r.Spike.Z, r.Spike.Lookback)
	}
	if r.Over > 0 {
		s += " over " + durfmt.Short(r.Over)
	}
	switch {
	case r.Ratio != nil:
		s += fmt.Sprintf(" (min %d events)", r.MinEvents)
	case r.Spike != nil:
		s += fmt.Sprintf(" (min %d events)", r.Spike.MinCount)
	}
	if r.Service != "" {
		s += " for " + r.Service
	}
	if r.For > 1 {
		s += fmt.Sprintf(", %d windows in a row", r.For)
	}
	return r.Name + ": " + s
}
