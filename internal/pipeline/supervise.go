package pipeline

import (
	"context"
	"log/slog"
	"time"
)

// Supervise runs a stage built by start until ctx is done, rebuilding and
// restarting it with backoff when it fails: a broker restart or a fenced
// transaction must not need an operator. It returns when ctx is done.
func Supervise(ctx context.Context, name string, log *slog.Logger, start func(context.Context) error) error {
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
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}
