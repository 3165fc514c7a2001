package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/internal/table"
)

// Defaults of the Config fields left zero.
const (
	DefaultMaxServices    = 10000
	DefaultRecent         = 100
	DefaultPublishTimeout = 10 * time.Second
	// maxPending bounds the transitions waiting for Publish while the
	// alerts topic is unreachable; past it the oldest are dropped (logged).
	maxPending = 100000
)

// Reader is the view the engine reads: view.Index in production.
type Reader interface {
	// Services returns per-service counts summed over base windows
	// starting in [from, to).
	Services(from, to time.Time) map[string]table.Counts
	// Watermark is the stream time up to which windows can be final; zero
	// when unknown.
	Watermark() time.Time
	// Earliest is the start of the earliest window held; zero when empty.
	Earliest() time.Time
}

// Config configures an Engine.
type Config struct {
	// Window and Grace are the pipeline's: a window starting at s is final
	// once s + Window + Grace <= Source.Watermark().
	Window, Grace time.Duration
	// Rules are evaluated in order; empty means no alerts (pass
	// DefaultRules for the defaults).
	Rules []Rule
	// Source is the view. Start stepping only once it has recovered the
	// table (readiness): before that a window past the watermark could
	// still be missing services, and would be evaluated as final.
	Source Reader
	// Publish is called for every transition, in order; nil publishes
	// nothing. A transition whose Publish fails is retried on the next Step,
	// before any later one.
	Publish func(ctx context.Context, a Alert) error
	// Published maps alert IDs to the last state already on the alerts
	// topic (LoadPublished): transitions re-derived after a restart that
	// are already there are not published again.
	Published map[string]string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// MaxServices bounds the services tracked at once (default
	// DefaultMaxServices); services past it are not evaluated, with a
	// warning. Rules naming a service always evaluate it.
	MaxServices int
	// Recent bounds the resolved alerts Alerts returns (default
	// DefaultRecent).
	Recent int
	// PublishTimeout bounds one Publish call (default
	// DefaultPublishTimeout), so an unreachable topic does not stall Step.
	PublishTimeout time.Duration
}

// Engine evaluates rules over final windows. Step and Run advance it;
// Alerts and Version are safe to call concurrently with them.
type Engine struct {
	window, grace  time.Duration
	rules          []Rule
	src            Reader
	publish        func(context.Context, Alert) error
	log            *slog.Logger
	maxServices    int
	recentCap      int
	publishTimeout time.Duration

	step sync.Mutex // serialises Step; guards the fields up to mu
	eval evaluator
	// next is the start of the next window to evaluate; zero until the
	// engine has an origin.
	next      time.Time
	published map[string]string
	pending   []Alert
	npending  atomic.Int64 // len(pending), for Pending without the step lock

	mu      sync.RWMutex
	active  map[string]Alert // by ID
	recent  []Alert          // resolved, oldest first
	version atomic.Uint64
}

// New returns an engine; it validates the rules against the window.
func New(cfg Config) (*Engine, error) {
	if cfg.Source == nil {
		return nil, errors.New("alerts: no source")
	}
	if cfg.Grace < 0 {
		return nil, fmt.Errorf("alerts: grace %s is negative", cfg.Grace)
	}
	rules, err := prepare(cfg.Rules, cfg.Window)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	e := &Engine{
		window: cfg.Window, grace: cfg.Grace, rules: rules, src: cfg.Source, publish: cfg.Publish,
		log: cfg.Logger, maxServices: cfg.MaxServices, recentCap: cfg.Recent, publishTimeout: cfg.PublishTimeout,
		published: make(map[string]string, len(cfg.Published)),
		active:    make(map[string]Alert),
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.maxServices <= 0 {
		e.maxServices = DefaultMaxServices
	}
	if e.recentCap <= 0 {
		e.recentCap = DefaultRecent
	}
	if e.publishTimeout <= 0 {
		e.publishTimeout = DefaultPublishTimeout
	}
	for id, st := range cfg.Published {
		e.published[id] = st
	}
	e.eval.init(rules, cfg.Window, e.maxServices, e.log)
	return e, nil
}

// Step evaluates every window that has become final since the last Step,
// in window order, then publishes pending transitions. It returns the
// first Publish error (the transition stays pending) or ctx's error.
func (e *Engine) Step(ctx context.Context) error {
	e.step.Lock()
	defer e.step.Unlock()
	if err := e.advance(ctx); err != nil {
		return err
	}
	return e.flush(ctx)
}

// Run calls Step every interval until ctx is done; Step errors are logged
// and the next Step retries.
func (e *Engine) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("alerts: step interval %s: want a positive duration", every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	failing := 0 // consecutive failed steps: log the first and then rarely
	for {
		err := e.Step(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			if failing%60 == 0 {
				e.log.Warn("alerts step", "err", err, "pending", e.Pending(), "failed_steps", failing+1)
			}
			failing++
		case err == nil && failing > 0:
			e.log.Info("alerts step recovered", "failed_steps", failing)
			failing = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (e *Engine) final(start, wm time.Time) bool {
	return !start.Add(e.window + e.grace).After(wm)
}

// advance evaluates the final windows not evaluated yet.
func (e *Engine) advance(ctx context.Context) error {
	wm := e.src.Watermark()
	if wm.IsZero() {
		return nil
	}
	if e.next.IsZero() {
		// Start only once the earliest window held is final: every window
		// before it is final too, so no earlier window can still gain
		// counts and a replay starts at the same place.
		first := e.src.Earliest()
		if first.IsZero() || !e.final(first, wm) {
			return nil
		}
		e.next = first.UTC()
	}
	for e.final(e.next, wm) {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := e.next.Add(e.window)
		changes := e.eval.evaluate(e.next, end, e.src.Services(e.next, end))
		e.apply(changes)
		e.next = end
	}
	return nil
}

// apply records one window's changes for Alerts and queues transitions.
func (e *Engine) apply(changes []change) {
	if len(changes) == 0 {
		return
	}
	e.mu.Lock()
	for _, c := range changes {
		if c.a.State == StateFiring {
			e.active[c.a.ID] = c.a
		} else {
			delete(e.active, c.a.ID)
			e.recent = append(e.recent, c.a)
			if len(e.recent) > e.recentCap {
				e.recent = slices.Delete(e.recent, 0, len(e.recent)-e.recentCap)
			}
		}
	}
	e.mu.Unlock()
	e.version.Add(1)
	for _, c := range changes {
		if c.transition {
			e.enqueue(c.a)
		}
	}
}

// enqueue queues a transition for Publish unless the topic already has it.
func (e *Engine) enqueue(a Alert) {
	if e.publish == nil {
		return
	}
	if st, ok := e.published[a.ID]; ok && (st == a.State || st == StateResolved) {
		if a.State == StateResolved {
			delete(e.published, a.ID) // nothing follows a resolve
		}
		return
	}
	e.log.Info("alert transition", "state", a.State, "id", a.ID, "condition", a.Condition)
	if len(e.pending) >= maxPending {
		e.log.Error("alerts: too many unpublished transitions; dropping the oldest", "id", e.pending[0].ID, "state", e.pending[0].State)
		e.pending = slices.Delete(e.pending, 0, 1)
	}
	e.pending = append(e.pending, a)
	e.npending.Store(int64(len(e.pending)))
}

// flush publishes pending transitions in order, stopping at the first error.
func (e *Engine) flush(ctx context.Context) error {
	for len(e.pending) > 0 {
		a := e.pending[0]
		pctx, cancel := context.WithTimeout(ctx, e.publishTimeout)
		err := e.publish(pctx, a)
		cancel()
		if err != nil {
			return fmt.Errorf("publish alert %s (%s): %w", a.ID, a.State, err)
		}
		e.pending[0] = Alert{}
		e.pending = e.pending[1:]
		e.npending.Store(int64(len(e.pending)))
	}
	e.pending = nil
	return nil
}

// Pending is how many transitions wait for Publish (a gauge for metrics).
func (e *Engine) Pending() int { return int(e.npending.Load()) }

// Rules returns the rules the engine evaluates, defaults filled in.
func (e *Engine) Rules() []Rule { return slices.Clone(e.rules) }

// Alerts returns the firing alerts, oldest first, and the most recently
// resolved ones (at most Config.Recent), newest first.
func (e *Engine) Alerts() (active, recent []Alert) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	active = make([]Alert, 0, len(e.active))
	for _, a := range e.active {
		active = append(active, a)
	}
	slices.SortFunc(active, func(a, b Alert) int {
		return cmp.Or(a.FiredAt.Compare(b.FiredAt), cmp.Compare(a.ID, b.ID))
	})
	recent = slices.Clone(e.recent)
	slices.Reverse(recent)
	return active, recent
}

// Version changes whenever Alerts would return something new: every
// transition, and every window that updates a firing alert's value. A
// server-sent-events handler can poll it cheaply.
func (e *Engine) Version() uint64 { return e.version.Load() }
