package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/logpulse/logpulse/internal/alerts"
	"github.com/logpulse/logpulse/internal/view"
)

// alertEngine builds the alert engine over the view's index: rules from
// --rules (or the defaults), transitions published to the alerts topic
// unless that is off. The returned run waits for the view to recover the
// table before evaluating: a window past the watermark could otherwise
// still lack services, and be judged as if final.
func (s *stages) alertEngine(ctx context.Context, f *apiFlags, ix *view.Index, recovered func() bool) (*alerts.Engine, func(context.Context) error, error) {
	rules := alerts.DefaultRules(s.c.window)
	if f.rules != "" {
		var err error
		if rules, err = alerts.LoadRules(f.rules, s.c.window); err != nil {
			return nil, nil, fmt.Errorf("--rules: %w", err)
		}
	}
	cfg := alerts.Config{Window: s.c.window, Grace: s.c.grace, Rules: rules, Source: ix, Logger: s.log.With("stage", "alerts")}
	var cl *kgo.Client
	if f.publishAlerts {
		var err error
		if cl, err = kgo.NewClient(s.kgoOpts()...); err != nil {
			return nil, nil, fmt.Errorf("alerts producer: %w", err)
		}
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		// Transitions already on the topic (from before a restart) are
		// not written again.
		if cfg.Published, err = alerts.LoadPublished(lctx, cl, s.topics.Alerts); err != nil {
			// Alerts still work; transitions from before a restart may
			// be written twice (same key and value).
			s.log.Warn("cannot read published alerts; earlier transitions may be written again", "topic", s.topics.Alerts, "err", err)
		}
		cfg.Publish = alerts.NewPublisher(cl, s.topics.Alerts)
	}
	e, err := alerts.New(cfg)
	if err != nil {
		if cl != nil {
			cl.Close()
		}
		return nil, nil, err
	}
	for _, r := range e.Rules() {
		s.log.Info("alert rule", "rule", r.String())
	}
	run := func(ctx context.Context) error {
		if cl != nil {
			defer cl.Close()
		}
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for !recovered() {
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
		return e.Run(ctx, time.Second)
	}
	return e, run, nil
}
