package app

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/logpulse/logpulse/internal/alerts"
	"github.com/logpulse/logpulse/internal/view"
)

// alertEngine builds the alert engine over the view's index: rules from
// the rules file (or the defaults), transitions published to the alerts
// topic unless that is off. The returned run waits for the view's gate
// before evaluating: a window past the watermark could otherwise still
// lack services, and be judged as if final.
func (p *process) alertEngine(ctx context.Context, ix *view.Index, viewGate *gate) (*alerts.Engine, func(context.Context) error, error) {
	f := p.cfg.API
	rules := alerts.DefaultRules(p.cfg.Window)
	if f.Rules != "" {
		var err error
		if rules, err = alerts.LoadRules(f.Rules, p.cfg.Window); err != nil {
			return nil, nil, fmt.Errorf("--rules: %w", err)
		}
	}
	cfg := alerts.Config{Window: p.cfg.Window, Grace: p.cfg.Grace, Rules: rules, Source: ix, Logger: p.log.With("stage", "alerts")}
	var cl *kgo.Client
	if f.PublishAlerts {
		var err error
		if cl, err = kgo.NewClient(p.kgoOpts()...); err != nil {
			return nil, nil, fmt.Errorf("alerts producer: %w", err)
		}
		lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		// Transitions already on the topic (from before a restart) are
		// not written again.
		if cfg.Published, err = alerts.LoadPublished(lctx, cl, p.topics.Alerts); err != nil {
			// Alerts still work; transitions from before a restart may
			// be written twice (same key and value).
			p.log.Warn("cannot read published alerts; earlier transitions may be written again", "topic", p.topics.Alerts, "err", err)
		}
		cfg.Publish = alerts.NewPublisher(cl, p.topics.Alerts)
	}
	e, err := alerts.New(cfg)
	if err != nil {
		if cl != nil {
			cl.Close()
		}
		return nil, nil, err
	}
	for _, r := range e.Rules() {
		p.log.Info("alert rule", "rule", r.String())
	}
	run := func(ctx context.Context) error {
		if cl != nil {
			defer cl.Close()
		}
		if !waitOpen(ctx, viewGate) {
			return nil
		}
		return e.Run(ctx, time.Second)
	}
	return e, run, nil
}
