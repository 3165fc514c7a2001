package httpapi

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// Stream settings: how often a stream looks for changes, how long a quiet
// stream waits before a keep-alive comment, and how long one write may take
// before the client counts as gone.
const (
	defaultStreamEvery = 500 * time.Millisecond
	streamKeepAlive    = 15 * time.Second
	streamWriteTimeout = 10 * time.Second
	// DefaultMaxStreams caps concurrent /v1/stream clients.
	DefaultMaxStreams = 256
)

// streamWindow is the data of a "window" event: one base window's counts
// after a change.
type streamWindow struct {
	Start   time.Time        `json:"start"`
	End     time.Time        `json:"end"`
	Service string           `json:"service,omitempty"`
	Counts  map[string]int64 `json:"counts"`
	Total   int64            `json:"total"`
	Late    int64            `json:"late"`
	Final   bool             `json:"final"`
}

// handleStream serves Server-Sent Events: "hello" first, then a "window"
// event per changed base window (of ?service= or of all services summed),
// "watermark" when the watermark moves, "alerts" when an alert fires or
// resolves, and "reset" when the stream fell behind and the client should
// reload. It ends when the client goes or the server shuts down.
func (s *server) handleStream(w http.ResponseWriter, r *http.Request) {
	if n := s.streams.Add(1); n > int64(s.maxStreams) {
		s.streams.Add(-1)
		s.writeError(w, r, &bodyError{http.StatusServiceUnavailable, fmt.Sprintf("too many live streams (%d); try again later", s.maxStreams)})
		return
	}
	defer s.streams.Add(-1)
	service := r.URL.Query().Get("service")
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // proxies must not buffer events
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}

	// A seq past the end answers with the current one.
	_, seq, _ := s.src.Changes(math.MaxUint64)
	var alertsVersion uint64
	// write sends raw text. The server's WriteTimeout would end a stream
	// after a minute: each write gets its own deadline instead, keep-alives
	// included (the last event's deadline has passed by then).
	write := func(text string) error {
		if err := rc.SetWriteDeadline(time.Now().Add(s.streamWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := fmt.Fprint(w, text); err != nil {
			return err
		}
		return rc.Flush()
	}
	send := func(event string, v any) error {
		b, err := marshalJSON(v)
		if err != nil {
			return err
		}
		return write(fmt.Sprintf("event: %s\ndata: %s\n\n", event, b))
	}
	hello := map[string]any{"window_seconds": int64(s.window / time.Second), "grace_seconds": s.grace.Seconds(),
		"watermark": nullTime(s.src.Watermark()), "service": service}
	if _, err := fmt.Fprint(w, "retry: 2000\n"); err != nil || send("hello", hello) != nil {
		return
	}
	lastWM := s.src.Watermark()
	tick := time.NewTicker(s.streamEvery)
	defer tick.Stop()
	lastSent := time.Now()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-tick.C:
		}
		changes, next, reset := s.src.Changes(seq)
		seq = next
		var events []func() error
		if reset {
			events = append(events, func() error { return send("reset", map[string]any{}) })
		} else {
			events, lastWM = s.windowEvents(changes, service, lastWM, send)
		}
		if s.alerts != nil {
			if v := s.alerts.Version(); v != alertsVersion {
				alertsVersion = v
				now := s.alertsNow()
				events = append(events, func() error { return send("alerts", now) })
			}
		}
		for _, ev := range events {
			if ev() != nil {
				return
			}
		}
		if len(events) > 0 {
			lastSent = time.Now()
		} else if time.Since(lastSent) >= s.streamKeepAlive {
			if write(": keep-alive\n\n") != nil {
				return
			}
			lastSent = time.Now()
		}
	}
}

// maxFinalEvents bounds the windows one watermark move re-sends as final.
const maxFinalEvents = 1000

// windowEvents turns changes into window events, one per changed window in
// start order, then a watermark event if it moved. Windows that the move
// from lastWM made final are sent again with final set, so a client never
// has to work finality out itself. It returns the watermark it used.
func (s *server) windowEvents(changes []view.Change, service string, lastWM time.Time, send func(string, any) error) ([]func() error, time.Time) {
	starts := map[int64]bool{}
	moved := false
	for _, c := range changes {
		switch {
		case c.Watermark:
			moved = true
		case service == "" || c.Service == service:
			starts[c.Start] = true
		}
	}
	if len(starts) == 0 && !moved {
		return nil, lastWM
	}
	// Watermark before counts, as in /v1/levels: never final too early.
	wm := s.src.Watermark()
	if moved && wm.After(lastWM) {
		// Windows ending in (lastWM-grace, wm-grace] became final.
		hi := wm.Add(-s.grace).Add(-s.window)
		lo := lastWM.Add(-s.grace).Add(-s.window)
		if lo.Before(hi.Add(-maxFinalEvents * s.window)) {
			lo = hi.Add(-maxFinalEvents * s.window)
		}
		for _, win := range s.src.Windows(lo.Add(time.Second), hi.Add(time.Second), service) {
			starts[win.Start.Unix()] = true
		}
	}
	var events []func() error
	for _, ws := range slices.Sorted(maps.Keys(starts)) {
		start := time.Unix(ws, 0).UTC()
		end := start.Add(s.window)
		var c, late table.Counts
		for _, win := range s.src.Windows(start, end, service) {
			c.Add(win.Counts)
			late.Add(win.Late)
		}
		data := streamWindow{Start: start, End: end, Service: service, Counts: c.Map(), Total: c.Total(),
			Late: late.Total(), Final: !wm.IsZero() && !end.Add(s.grace).After(wm)}
		events = append(events, func() error { return send("window", data) })
	}
	if moved && wm.After(lastWM) {
		// A change of what holds the watermark logs a change too, with
		// the watermark where it was: no event for that.
		events = append(events, func() error { return send("watermark", map[string]any{"watermark": nullTime(wm)}) })
	}
	return events, wm
}

// nullTime is t in UTC, or nil (JSON null) when zero.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
