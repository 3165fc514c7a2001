package processors

import (
	"testing"

	"github.com/logpulse/logpulse/codecs"
)

// TestApplySkipsRedelivery is the exactness rule of the aggregate stage:
// goka redelivers deltas after a crash, and each must count once.
func TestApplySkipsRedelivery(t *testing.T) {
	agg := &codecs.Aggregate{Offset: -1}
	d := &codecs.Delta{}
	d.Counts[codecs.LevelError] = 2
	key := "api|1700000000"
	for _, step := range []struct {
		offset  int64
		applied bool
		errors  int64
	}{
		{0, true, 2},
		{0, false, 2}, // redelivered
		{5, true, 4},
		{3, false, 4}, // older than the last applied
		{5, false, 4},
		{6, true, 6},
	} {
		if got := Apply(agg, d, key, step.offset); got != step.applied {
			t.Errorf("Apply at offset %d = %v, want %v", step.offset, got, step.applied)
		}
		if got := agg.Counts[codecs.LevelError]; got != step.errors {
			t.Errorf("after offset %d: ERROR = %d, want %d", step.offset, got, step.errors)
		}
	}
}
