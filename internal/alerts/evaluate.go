package alerts

import (
	"cmp"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/durfmt"
)

// OverflowService is the service the aggregate counts services past
// --max-services under (codecs.OverflowService). The engine always
// evaluates it, and adds to it the services past its own cap
// (Config.MaxServices).
const OverflowService = codecs.OverflowService

// evaluator holds what evaluating a window needs from earlier ones: each
// tracked service's counts in the last windows any rule looks at, and each
// (rule, service)'s streak and firing alert. It is owned by the Engine's
// Step. Memory: tracked services × history windows × 56 bytes, with at
// most MaxServices tracked services plus the named ones and the overflow.
type evaluator struct {
	rules       []Rule
	window      time.Duration
	maxServices int
	log         *slog.Logger

	// n is the index of the next window, counted from the origin (0).
	n int64
	// h is the most windows any rule looks at, the evaluated one included.
	h      int64
	svc    map[string]*series
	named  map[string]bool // services that rules name: always tracked
	capped bool            // the MaxServices warning was logged
	tracks map[string][]track
	// scratch holds per-window values of one (rule, service) evaluation.
	scratch []float64
}

// series is one service's counts in windows n-h+1..n, window i at i % h.
type series struct {
	last   int64 // the last window the service had an entry in
	counts []codecs.Counts
}

// track is one (rule, service)'s state between windows.
type track struct {
	streak int    // consecutive evaluated windows the condition held
	alert  *Alert // the firing alert, nil when none
}

// change is an alert as one window left it: a transition (fired or
// resolved) or a firing alert's new value.
type change struct {
	a          Alert
	transition bool
}

// result is one evaluation of one rule for one service.
type result struct {
	holds bool
	value float64
	// count and total are the rule's levels and all levels over Over.
	count, total int64
	mean, sd     float64 // spike only
}

func (ev *evaluator) init(rules []Rule, window time.Duration, maxServices int, log *slog.Logger) {
	h := 1
	named := make(map[string]bool)
	for _, r := range rules {
		h = max(h, r.history(window))
		if r.Service != "" {
			named[r.Service] = true
		}
	}
	*ev = evaluator{
		rules: rules, window: window, maxServices: maxServices, log: log, h: int64(h),
		svc: make(map[string]*series), named: named, tracks: make(map[string][]track), scratch: make([]float64, 2*h),
	}
}

// evaluate evaluates the window [start, end) whose per-service counts are
// counts, and returns what changed, in rule order then service order.
func (ev *evaluator) evaluate(start, end time.Time, counts map[string]codecs.Counts) []change {
	n, h := ev.n, ev.h
	ev.n++
	// Busiest first, so a flood of one-event services (request IDs in the
	// service field) does not take the places of the services that carry
	// the traffic; by name among equals, so the same input admits the
	// same services whatever the map order.
	names := make([]string, 0, len(counts))
	for s := range counts {
		names = append(names, s)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b].Total(), counts[a].Total()), cmp.Compare(a, b))
	})
	// Past the cap, a new service's counts are evaluated as the overflow
	// service's, as the aggregate stage counts them past its own cap: its
	// events still raise alerts, under OverflowService, and the state stays
	// bounded.
	var folded codecs.Counts
	nfolded := 0
	for _, s := range names {
		sv := ev.svc[s]
		if sv == nil {
			if !ev.named[s] && s != OverflowService && len(ev.svc) >= ev.maxServices {
				if !ev.capped {
					ev.capped = true
					ev.log.Warn("alerts: too many services; new ones are evaluated as "+OverflowService,
						"max_services", ev.maxServices, "service", s)
				}
				folded.Add(counts[s])
				nfolded++
				continue
			}
			sv = &series{counts: make([]codecs.Counts, h)}
			ev.svc[s] = sv
		}
		sv.last = n
	}
	if nfolded > 0 {
		if ev.svc[OverflowService] == nil {
			ev.svc[OverflowService] = &series{counts: make([]codecs.Counts, h)}
		}
		ev.svc[OverflowService].last = n
	}

	// A service without an entry in the windows any rule looks at counts
	// zero there, and no condition holds on zeros (count > N >= 0; a ratio
	// needs events; a spike needs z > 0): it is evaluated only while it has
	// a streak or a firing alert to reset, and forgotten otherwise.
	var services []string
	for s, sv := range ev.svc {
		sv.counts[n%h] = counts[s] // zero when absent
		if s == OverflowService {
			sv.counts[n%h].Add(folded)
		}
		switch {
		case sv.last > n-h || ev.tracks[s] != nil:
			services = append(services, s)
		case !ev.named[s]:
			delete(ev.svc, s)
		}
	}
	slices.Sort(services)

	var out []change
	for i, r := range ev.rules {
		if n < int64(r.history(ev.window))-1 {
			continue // not all the windows it looks at are held yet
		}
		list := services
		if r.Service != "" {
			list = []string{r.Service}
		}
		for _, s := range list {
			if c, ok := ev.update(i, s, ev.eval(r, s, n), start, end); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// eval evaluates rule r for service s on window n.
func (ev *evaluator) eval(r Rule, s string, n int64) result {
	k := r.span(ev.window)
	sv := ev.svc[s]
	count, total := ev.sum(r, sv, n, k)
	res := result{count: count, total: total, value: float64(count)}
	switch {
	case r.Count != nil:
		res.holds = count > *r.Count
	case r.Ratio != nil:
		if total > 0 {
			res.value = float64(count) / float64(total)
		}
		res.holds = total > 0 && total >= r.MinEvents && res.value > *r.Ratio
	case r.Spike != nil:
		// The rule's sum over each of the previous Lookback spans, from
		// per-window values via a running sum; then mean and stddev in two
		// passes (large counts squared lose digits in one).
		l := r.Spike.Lookback
		w, spans := ev.scratch[:l+k-1], ev.scratch[l+k-1:][:0]
		for j := range w {
			c, _ := ev.sum(r, sv, n-int64(l+k-1)+int64(j), 1)
			w[j] = float64(c)
		}
		var run, sum float64
		for j, x := range w {
			run += x
			if j >= k {
				run -= w[j-k]
			}
			if j >= k-1 {
				spans = append(spans, run)
				sum += run
			}
		}
		res.mean = sum / float64(l)
		var sq float64
		for _, x := range spans {
			sq += (x - res.mean) * (x - res.mean)
		}
		res.sd = math.Sqrt(sq / float64(l))
		floor := max(res.sd, math.Sqrt(res.mean), 1)
		res.value = (float64(count) - res.mean) / floor
		res.holds = count >= r.Spike.MinCount && res.value > r.Spike.Z
	}
	return res
}

// sum adds r's levels and all levels of sv over the k windows ending with
// window n.
func (ev *evaluator) sum(r Rule, sv *series, n int64, k int) (count, total int64) {
	if sv == nil {
		return 0, 0
	}
	for i := n - int64(k) + 1; i <= n; i++ {
		c := &sv.counts[i%ev.h]
		for _, l := range r.Levels {
			count += c[l]
		}
		total += c.Total()
	}
	return count, total
}

// update advances (rule i, service s)'s track by one evaluation on the
// window [start, end) and returns the change to report, if any.
func (ev *evaluator) update(i int, s string, res result, start, end time.Time) (change, bool) {
	r := ev.rules[i]
	ts := ev.tracks[s]
	if ts == nil {
		if !res.holds {
			return change{}, false
		}
		ts = make([]track, len(ev.rules))
		ev.tracks[s] = ts
	}
	t := &ts[i]
	defer func() {
		if !slices.ContainsFunc(ts, func(t track) bool { return t.streak > 0 || t.alert != nil }) {
			delete(ev.tracks, s)
		}
	}()
	if !res.holds {
		t.streak = 0
		if t.alert == nil {
			return change{}, false
		}
		a := *t.alert
		t.alert = nil
		a.State = StateResolved
		a.ResolvedAt = &end
		a.Value, a.Condition = res.value, describe(r, res, false)
		a.WindowStart, a.WindowEnd = start, end
		return change{a: a, transition: true}, true
	}
	t.streak++
	if t.alert != nil {
		t.alert.Value, t.alert.Condition = res.value, describe(r, res, true)
		t.alert.WindowStart, t.alert.WindowEnd = start, end
		return change{a: *t.alert}, true
	}
	if t.streak < r.For {
		return change{}, false
	}
	t.alert = &Alert{
		ID: alertID(r.Name, s, start), Rule: r.Name, Service: s, State: StateFiring, Kind: r.Kind(),
		Levels: slices.Clone(r.Levels), Condition: describe(r, res, true), Value: res.value,
		Threshold: threshold(r), FiredAt: end, WindowStart: start, WindowEnd: end,
	}
	return change{a: *t.alert, transition: true}, true
}

func threshold(r Rule) float64 {
	switch {
	case r.Count != nil:
		return float64(*r.Count)
	case r.Ratio != nil:
		return *r.Ratio
	case r.Spike != nil:
		return r.Spike.Z
	}
	return 0
}

// describe writes an evaluation for people: "ERROR+FATAL ratio 12.5% > 5%
// over 5m (10 of 80 events)".
func describe(r Rule, res result, holds bool) string {
	op := "<="
	if holds {
		op = ">"
	}
	lv, over := levelsName(r.Levels), durfmt.Short(r.Over)
	switch {
	case r.Count != nil:
		return fmt.Sprintf("%s count %d %s %d over %s", lv, res.count, op, *r.Count, over)
	case r.Ratio != nil:
		if res.total < r.MinEvents || res.total == 0 {
			return fmt.Sprintf("%s ratio: %d events < min_events %d over %s", lv, res.total, r.MinEvents, over)
		}
		return fmt.Sprintf("%s ratio %s %s %s over %s (%d of %d events)",
			lv, pct(res.value), op, pct(*r.Ratio), over, res.count, res.total)
	case r.Spike != nil:
		if holds || res.count >= r.Spike.MinCount {
			return fmt.Sprintf("%s spike z %.1f %s %g over %s (%d events; mean %.1f, sd %.1f over the previous %d)",
				lv, res.value, op, r.Spike.Z, over, res.count, res.mean, res.sd, r.Spike.Lookback)
		}
		return fmt.Sprintf("%s spike: %d events < min_count %d over %s", lv, res.count, r.Spike.MinCount, over)
	}
	return ""
}

// pct writes a ratio as a percentage without needless digits: 5%, 12.5%.
func pct(x float64) string { return fmt.Sprintf("%.4g%%", 100*x) }
