// Package httpapi is logpulse's HTTP surface (routes.go lists it): the
// aggregates of a view.Index rendered as JSON, CSV and server-sent events,
// the dashboard, POST /v1/logs and POST /log into the input topic, alerts,
// health and readiness. It reads the view through Source and writes through
// LogWriter, so it can be tested without Kafka.
package httpapi

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero values in Config.
const (
	DefaultWindow    = time.Minute
	DefaultMaxPoints = 10000
	// DefaultMaxBodyBytes caps a POST /v1/logs body.
	DefaultMaxBodyBytes = 10 << 20
)

// Config is what New needs. Only Source is required.
type Config struct {
	// Source is read on every request.
	Source Source
	// Window is the base window size; windows are aligned to it from the
	// Unix epoch, so in UTC. It must be a whole number of seconds, as the
	// table keys windows by their start in unix seconds. Default 1m.
	Window time.Duration
	// Grace is how long after its end a window can still change: a window is
	// final when start+Window+Grace <= Source.Watermark(). Default 0.
	Grace time.Duration
	// MaxPoints caps the windows in one response. Default 10000.
	MaxPoints int
	// Ready reports whether the service can answer; a nil error means ready.
	// /readyz serves it. Default: always ready.
	Ready func() error
	// Now is the clock for relative times and the default range. Default
	// time.Now.
	Now func() time.Time
	// Logger gets the full text of internal errors. Default: discard.
	Logger *slog.Logger
	// Logs receives the events POST /v1/logs accepts (see ingest.go).
	// Default nil: the endpoint answers 503 "ingest not configured".
	Logs LogWriter
	// MaxBodyBytes caps a POST /v1/logs body; a larger one is refused with
	// 413. Default 10 MiB.
	MaxBodyBytes int64
	// Metrics serves GET /metrics (Prometheus); nil answers 404.
	Metrics http.Handler
	// Registerer receives the HTTP request histogram; nil records none.
	Registerer prometheus.Registerer
	// Alerts serves /v1/alerts and the stream's alerts events; nil answers
	// /v1/alerts with 503 "alerts not configured".
	Alerts AlertSource
	// Done ends live streams when closed: close it before shutting the
	// server down, or Shutdown waits for every stream to end.
	Done <-chan struct{}
	// StreamEvery is how often a stream looks for changes. Default 500ms.
	StreamEvery time.Duration
	// MaxStreams caps concurrent streams. Default DefaultMaxStreams.
	MaxStreams int
	// CORSOrigins are the exact origins browsers may call the API from;
	// none adds no CORS headers.
	CORSOrigins []string
	// APIToken, when set, is required on every /v1/ request (see
	// requireToken). The dashboard page and /healthz, /readyz and /metrics
	// stay open.
	APIToken string
}

// server holds a Config with the defaults filled in.
type server struct {
	src       Source
	window    time.Duration
	grace     time.Duration
	maxPoints int
	ready     func() error
	now       func() time.Time
	log       *slog.Logger
	logs      LogWriter
	maxBody   int64
	metrics   http.Handler

	httpMetrics *httpMetrics
	alerts      AlertSource
	done        <-chan struct{}
	streamEvery time.Duration
	maxStreams  int
	// streamKeepAlive and streamWriteTimeout are the constants in
	// stream.go; tests shorten them.
	streamKeepAlive    time.Duration
	streamWriteTimeout time.Duration
	streams            atomic.Int64
	corsOrigins        []string
	tokenSum           []byte // SHA-256 of APIToken, nil without one
	levelsCache        levelsCache
	servicesMu         sync.Mutex // guards servicesCache
	servicesCache      servicesCache
}

// New returns the handler for the whole HTTP API (see routes.go). It panics
// if cfg.Source is nil or cfg.Window is not a whole number of seconds: both
// are programming errors that no request could recover from.
func New(cfg Config) http.Handler {
	return newServer(cfg).routes()
}

// newServer fills in cfg's defaults; New documents the panics.
func newServer(cfg Config) *server {
	if cfg.Source == nil {
		panic("httpapi: Config.Source is nil")
	}
	s := &server{
		src:       cfg.Source,
		window:    cfg.Window,
		grace:     cfg.Grace,
		maxPoints: cfg.MaxPoints,
		ready:     cfg.Ready,
		now:       cfg.Now,
		log:       cfg.Logger,
		logs:      cfg.Logs,
		maxBody:   cfg.MaxBodyBytes,
		metrics:   cfg.Metrics,

		httpMetrics: newHTTPMetrics(cfg.Registerer),
		alerts:      cfg.Alerts,
		done:        cfg.Done,
		streamEvery: cfg.StreamEvery,
		maxStreams:  cfg.MaxStreams,
		corsOrigins: cfg.CORSOrigins,

		streamKeepAlive:    streamKeepAlive,
		streamWriteTimeout: streamWriteTimeout,
	}
	if cfg.APIToken != "" {
		sum := sha256.Sum256([]byte(cfg.APIToken))
		s.tokenSum = sum[:]
	}
	if s.streamEvery <= 0 {
		s.streamEvery = defaultStreamEvery
	}
	if s.maxStreams <= 0 {
		s.maxStreams = DefaultMaxStreams
	}
	if s.window <= 0 {
		s.window = DefaultWindow
	}
	if s.window%time.Second != 0 {
		panic("httpapi: Config.Window " + s.window.String() + " is not a whole number of seconds")
	}
	if s.maxPoints <= 0 {
		s.maxPoints = DefaultMaxPoints
	}
	if s.ready == nil {
		s.ready = func() error { return nil }
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}
