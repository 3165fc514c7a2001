package kstreams

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

func value(counts ...int64) []byte {
	b := make([]byte, 8*7)
	for i, n := range counts {
		binary.BigEndian.PutUint64(b[8*i:], uint64(n))
	}
	return b
}

// TestCountsKeepTheLatestPerWindow: an update of a window replaces its
// counts; the answer is the sum of every window's latest counts, by level
// in the peer's LEVELS order (UNKNOWN, TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL).
func TestCountsKeepTheLatestPerWindow(t *testing.T) {
	c := &Counts{latest: make(map[string]table.Counts)}
	for _, r := range []*kgo.Record{
		{Key: []byte("api|60000"), Value: value(0, 0, 0, 5)},
		{Key: []byte("api|60000"), Value: value(0, 0, 0, 7, 1)}, // updated
		{Key: []byte("a|b|120000"), Value: value(1, 0, 2, 0, 0, 3, 4)},
	} {
		if err := c.apply(r); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Total(); got != 18 {
		t.Errorf("Total() = %d, want 18 (8 + 10)", got)
	}
	want := map[string]int64{"UNKNOWN": 1, "DEBUG": 2, "INFO": 7, "WARN": 1, "ERROR": 3, "FATAL": 4}
	if diff := cmp.Diff(want, c.ByLevel()); diff != "" {
		t.Errorf("ByLevel() (-want +got):\n%s", diff)
	}
	if err := c.apply(&kgo.Record{Key: []byte("api|0"), Value: []byte{1, 2, 3}}); err == nil {
		t.Error("a value that is not 7 longs was taken")
	}
}
