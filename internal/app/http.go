package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/internal/view"
)

// serveAPI serves the view's HTTP API until ctx is done; logs takes POST
// /v1/logs.
func (p *process) serveAPI(ctx context.Context, ix *view.Index, ready func() error, logs httpapi.LogWriter, al httpapi.AlertSource) error {
	f := p.cfg.API
	done := make(chan struct{})
	h := httpapi.New(httpapi.Config{
		Source: ix, Window: p.cfg.Window, Grace: p.cfg.Grace, MaxPoints: f.MaxPoints, Ready: ready, Logger: p.log,
		Logs: logs, Metrics: promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}), Registerer: p.reg,
		Done: done, CORSOrigins: f.CORSOrigins, APIToken: f.Token, Alerts: al,
	})
	return serveHTTP(ctx, f.Addr, h, p.log, func() { close(done) })
}

// serveOps serves /metrics, /healthz and /readyz of a stage without the
// API; an empty addr serves nothing.
func (p *process) serveOps(ctx context.Context, ready func() error) error {
	if p.cfg.OpsAddr == "" {
		return nil
	}
	err := serveHTTP(ctx, p.cfg.OpsAddr, httpapi.Ops(promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}), ready), p.log, nil)
	if err != nil && ctx.Err() == nil {
		// The stage itself is fine: losing its metrics must not stop it
		// (two stages on one host with the same --metrics-addr).
		p.log.Error("no /metrics, /healthz, /readyz: set --metrics-addr to a free address", "err", err)
	}
	return nil
}

// ServeMetrics serves reg on addr's /metrics (with /healthz and an always
// ready /readyz) until ctx is done, for a command that runs no stage.
func ServeMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	ready := func() error { return nil }
	return serveHTTP(ctx, addr, httpapi.Ops(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ready), log, nil)
}

// serveHTTP serves h on addr until ctx is done, then shuts down gracefully:
// stopping (if set) is called first, to end long-lived responses.
func serveHTTP(ctx context.Context, addr string, h http.Handler, log *slog.Logger, stopping func()) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set --http to a free address)", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		WriteTimeout:      time.Minute,
	}
	// Errors net/http answers before any handler (431, 400) are JSON too.
	l = httpapi.JSONErrors(l)
	log.Info("http listening", "addr", l.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	if stopping != nil {
		stopping()
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Connections still open after the grace period are cut.
		srv.Close()
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("http shutdown: %w", err)
		}
	}
	return nil
}
