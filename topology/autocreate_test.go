package topology_test

import (
	"context"
	"testing"
	"time"

	"github.com/logpulse/logpulse/topology"
)

// TestAutoCreatesTopics: the embedded broker creates topics on request, as
// Kafka does by default, and says so.
func TestAutoCreatesTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	auto, err := topology.AutoCreatesTopics(ctx, embeddedAdmin(t))
	if err != nil || !auto {
		t.Errorf("AutoCreatesTopics = %v, %v; want true", auto, err)
	}
}
