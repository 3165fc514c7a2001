package main

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/logpulse/logpulse/internal/httpapi"
	"github.com/logpulse/logpulse/internal/view"
)

// What compose_test.go's health-check test still calls from before the
// wiring moved to internal/app: the API handler over an index with a given
// readiness. Delete this file once compose_test.go no longer uses it.

type common struct{ window, grace, retention time.Duration }

type stages struct{ c *common }

func newStages(c *common, _ []string, _ *slog.Logger) *stages { return &stages{c: c} }

func (s *stages) apiHandler(f *apiFlags, ix *view.Index, ready func() error, logs httpapi.LogWriter, al httpapi.AlertSource, done <-chan struct{}) (http.Handler, error) {
	return httpapi.New(httpapi.Config{
		Source: ix, Window: s.c.window, Grace: s.c.grace, MaxPoints: f.maxPoints, Ready: ready,
		Logger: slog.New(slog.DiscardHandler), Logs: logs, Done: done, Alerts: al,
	}), nil
}

func notReady(what string) error { return errors.New(what) }
