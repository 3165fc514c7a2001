package generator_test

import (
	"context"
	"testing"
	"time"

	"github.com/logpulse/logpulse/internal/embedkafka"
	"github.com/logpulse/logpulse/internal/generator"
)

// TestRunStopsCleanly: cancelling Run (Ctrl-C of `logpulse run --demo` or
// `produce`) is a clean stop, also with records still in flight: their
// "context canceled" is the stop itself, not a delivery failure (it made
// `run --demo` exit 1 on SIGINT now and then).
func TestRunStopsCleanly(t *testing.T) {
	b, err := embedkafka.Start(embedkafka.Config{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	for i := range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- generator.Run(ctx, generator.Config{Brokers: b.Addrs(), Topic: "logs", Rate: 1e6, Seed: uint64(i + 1)})
		}()
		// Cancel while the generator is producing flat out: thousands of
		// records are in flight.
		time.AfterFunc(200*time.Millisecond, cancel)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d: Run returned %v after its context was cancelled; want a clean stop", i, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("run %d: Run did not return within 30 s of the cancel", i)
		}
	}
}
