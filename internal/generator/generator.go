// Package generator produces realistic sample log traffic: a few services of
// very different volume (Zipf), a level mix like a real fleet's, and messages
// with varying numbers in them. `logpulse produce --generate` and
// `logpulse run --demo` use it.
package generator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Config configures a generator run.
type Config struct {
	Brokers []string
	Topic   string
	Rate    float64 // events per second; 0 is as fast as possible
	Count   int64   // events to produce; 0 is until ctx is done
	// Services is the number of services (default 8).
	Services int
	// Burst, if set, bursts errors once per period (see Source.Burst).
	Burst time.Duration
	// Format is "json" (default), "text" (`<unix> <LEVEL> <message>`, the
	// service in the record key) or "mixed".
	Format string
	Seed   uint64
	// Now is the event time of each event (default time.Now).
	Now        func() time.Time
	Progress   io.Writer // a line per second on progress; nil for none
	Logger     *slog.Logger
	ClientOpts []kgo.Opt
}

// Event is one generated event.
type Event struct {
	Time    time.Time
	Level   codecs.Level
	Service string
	Host    string
	Message string
}

// Source draws events; it is deterministic for a seed.
type Source struct {
	rng      *rand.Rand
	zipf     *rand.Zipf
	services []string
	burst    time.Duration
}

// Burst makes the source burst errors: in the last quarter of every period
// (counted in event time from the Unix epoch), 40% of events are the same
// upstream timeout ERROR of one mid-sized service, as when a dependency
// fails. Zero turns bursts off.
func (s *Source) Burst(period time.Duration) { s.burst = period }

// BurstService is the service that bursts errors.
func (s *Source) BurstService() string { return s.services[min(4, len(s.services)-1)] }

// inBurst reports whether t falls in a burst.
func (s *Source) inBurst(t time.Time) bool {
	return s.burst > 0 && t.UnixNano()%int64(s.burst) >= int64(s.burst)*3/4
}

var serviceNames = []string{"api", "auth", "billing", "search", "checkout", "inventory", "email", "gateway",
	"payments", "profile", "recommend", "shipping", "notify", "media", "admin", "reports"}

// NewSource returns a deterministic event source over n services.
func NewSource(seed uint64, n int) *Source {
	if n <= 0 {
		n = 8
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	svcs := make([]string, n)
	for i := range svcs {
		if i < len(serviceNames) {
			svcs[i] = serviceNames[i]
		} else {
			svcs[i] = "svc-" + strconv.Itoa(i)
		}
	}
	return &Source{rng: rng, zipf: rand.NewZipf(rng, 1.2, 1, uint64(n-1)), services: svcs}
}

// Services returns the names the source draws from, most frequent first.
func (s *Source) Services() []string { return slices.Clone(s.services) }

// levelMix is a fleet's typical mix: cumulative per-mille thresholds.
var levelMix = []struct {
	upTo  int
	level codecs.Level
}{{15, codecs.LevelTrace}, {165, codecs.LevelDebug}, {905, codecs.LevelInfo}, {985, codecs.LevelWarn}, {998, codecs.LevelError}, {1000, codecs.LevelFatal}}

var templates = map[codecs.Level][]string{
	codecs.LevelTrace: {"enter handler %d", "cache probe key=%d"},
	codecs.LevelDebug: {"query took %dms", "retrying request %d", "pool size %d"},
	codecs.LevelInfo:  {"GET /v1/items/%d 200", "user %d logged in", "order %d created", "POST /v1/cart 201 in %dms"},
	codecs.LevelWarn:  {"slow query: %dms", "retry %d of 5 for upstream", "disk usage at %d%%"},
	codecs.LevelError: {"user %d failed to authenticate", "upstream timeout after %dms", "payment %d declined: card expired"},
	codecs.LevelFatal: {"out of memory after %d allocations", "cannot bind port %d"},
}

// Next draws the next event at time t.
func (s *Source) Next(t time.Time) Event {
	if s.inBurst(t) && s.rng.IntN(100) < 40 {
		svc := s.BurstService()
		return Event{Time: t, Level: codecs.LevelError, Service: svc, Host: svc + "-" + strconv.Itoa(s.rng.IntN(3)),
			Message: fmt.Sprintf("payment gateway timeout after %dms", 1000+s.rng.IntN(4000))}
	}
	svc := s.services[s.zipf.Uint64()]
	pm := s.rng.IntN(1000)
	lvl := codecs.LevelInfo
	for _, m := range levelMix {
		if pm < m.upTo {
			lvl = m.level
			break
		}
	}
	ts := templates[lvl]
	msg := fmt.Sprintf(ts[s.rng.IntN(len(ts))], s.rng.IntN(5000))
	return Event{Time: t, Level: lvl, Service: svc, Host: svc + "-" + strconv.Itoa(s.rng.IntN(3)), Message: msg}
}

// Record encodes e in format ("json" or "text").
func Record(topic, format string, e Event) *kgo.Record {
	if format == "text" {
		v := strconv.FormatInt(e.Time.Unix(), 10) + " " + e.Level.String() + " " + e.Message
		return &kgo.Record{Topic: topic, Key: []byte(e.Service), Value: []byte(v), Timestamp: e.Time}
	}
	v, _ := json.Marshal(map[string]any{
		"timestamp": e.Time.UnixMilli(), "level": e.Level.String(), "message": e.Message,
		"service": e.Service, "host": e.Host,
	})
	return &kgo.Record{Topic: topic, Value: v, Timestamp: e.Time}
}

// Run produces events until Count is reached or ctx is done, and returns
// once every produced event is acknowledged (or ctx ends).
func Run(ctx context.Context, cfg Config) error {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(cfg.Brokers...), kgo.ProducerLinger(5 * time.Millisecond)}, cfg.ClientOpts...)...)
	if err != nil {
		return fmt.Errorf("producer: %w", err)
	}
	defer cl.Close()
	src := NewSource(cfg.Seed, cfg.Services)
	src.Burst(cfg.Burst)
	// The first delivery error ends the run: the broker is unreachable
	// or refuses the topic, and every later record would fail the same way.
	stop := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var acked atomic.Int64
	var firstErr atomic.Pointer[error]
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			if firstErr.CompareAndSwap(nil, &err) {
				cancel(err)
			}
			return
		}
		acked.Add(1)
	}
	// Records in flight when the caller stops fail with its context's
	// error: that is the stop, not a delivery failure.
	failed := func() error {
		if e := firstErr.Load(); e != nil && (stop.Err() == nil || !errors.Is(*e, stop.Err())) {
			return fmt.Errorf("produce: %w", *e)
		}
		return nil
	}
	began := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	progress := time.NewTicker(time.Second)
	defer progress.Stop()
	var sent int64
	for cfg.Count == 0 || sent < cfg.Count {
		due := cfg.Count - sent
		if cfg.Rate > 0 {
			select {
			case <-ctx.Done():
				return failed()
			case <-progress.C:
				report(cfg.Progress, acked.Load(), began)
				continue
			case <-tick.C:
			}
			want := int64(cfg.Rate * time.Since(began).Seconds())
			if cfg.Count == 0 || want-sent < due {
				due = want - sent
			}
		} else if ctx.Err() != nil {
			return failed()
		} else if cfg.Count == 0 || due > 1000 {
			due = 1000
		}
		// A rate above what the client can take makes due grow each
		// tick: stop between records, not after the batch.
		for i := int64(0); i < due && ctx.Err() == nil; i++ {
			format := cfg.Format
			if format == "mixed" {
				format = [2]string{"json", "text"}[sent%2]
			}
			cl.Produce(ctx, Record(cfg.Topic, format, src.Next(cfg.Now())), promise)
			sent++
		}
	}
	if err := cl.Flush(ctx); err != nil {
		if ferr := failed(); ferr != nil || stop.Err() != nil {
			return ferr
		}
		return fmt.Errorf("flush: %w", err)
	}
	report(cfg.Progress, acked.Load(), began)
	return failed()
}

func report(w io.Writer, n int64, began time.Time) {
	if w == nil {
		return
	}
	secs := time.Since(began).Seconds()
	fmt.Fprintf(w, "produced %d events in %.1fs (%.0f/s)\n", n, secs, float64(n)/max(secs, 1e-9))
}
