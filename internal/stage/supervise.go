package stage

import (
	"context"
	"log/slog"
	"time"
)

// Supervise runs a stage built by start until ctx is done, rebuilding and
// restarting it with backoff when it fails: a broker restart or a fenced
// transaction must not need an operator. It returns when ctx is done.
//
// The backoff stays short (at most maxRestartBackoff): a stage that fails
// during a churn of rebalances (a JoinGroup that timed out ends a goka
// processor) must be back in seconds, and each start already waits on the
// brokers. m counts the restarts (logpulse_stage_restarts_total).
func Supervise(ctx context.Context, name string, log *slog.Logger, m *Metrics, start func(context.Context) error) error {
	backoff := 500 * time.Millisecond
	for {
		began := time.Now()
		err := start(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(began) > time.Minute {
			backoff = 500 * time.Millisecond
		}
		log.Error("stage failed, restarting", "stage", name, "err", err, "backoff", backoff)
		m.restarted(name)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxRestartBackoff)
	}
}

// maxRestartBackoff caps the wait between restarts of a failing stage.
const maxRestartBackoff = 5 * time.Second
