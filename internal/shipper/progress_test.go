package shipper

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
)

// TestProgressLastLine: stopping prints the final count, so a run shorter
// than a second still says what it shipped.
func TestProgressLastLine(t *testing.T) {
	var events, bytes atomic.Int64
	var out strings.Builder
	stop := progress(context.Background(), &out, &events, &bytes)
	events.Store(3)
	bytes.Store(42)
	stop()
	if got := out.String(); !strings.HasPrefix(got, "shipped 3 events, 42 bytes in 0s (3 events/s)\n") {
		t.Errorf("progress wrote %q", got)
	}
}
