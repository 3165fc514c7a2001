package topology_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/logpulse/logpulse/topology"
)

// TestSpecsRollAndClean: the topics Kafka must clean or delete by retention
// roll their segments well within the retention, with values Kafka 3.9 and
// 4.x accept (and 5.0's announced minimums, KIP-1030); without them the
// table's active segment stays open for Kafka's 7 days and every restart
// reads every version of every window again.
func TestSpecsRollAndClean(t *testing.T) {
	const (
		minBytes        = 1 << 20 // Kafka 4.x's minimum segment.bytes
		brokerMaxBatch  = 1048588 // Kafka's default message.max.bytes
		minRoll         = 60000   // KIP-1030: segment.ms, max.compaction.lag.ms from 5.0
		compactedTopics = 2
	)
	for _, keep := range []time.Duration{2 * time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 90 * 24 * time.Hour} {
		tops := topology.DefaultTopics()
		specs := tops.Specs(topology.Layout{Partitions: 6, Replication: 1, Retention: keep})
		compacted := 0
		for _, s := range specs {
			c := s.Configs
			num := func(k string) int64 {
				t.Helper()
				n, err := strconv.ParseInt(c[k], 10, 64)
				if err != nil {
					t.Fatalf("retention %s: topic %s: %s=%q: %v", keep, s.Name, k, c[k], err)
				}
				return n
			}
			if s.Name == tops.Logs || s.Name == tops.DLQ || s.Name == tops.Late {
				continue // users' topics: the broker's segments
			}
			retention := num("retention.ms")
			roll := num("segment.ms")
			if roll < minRoll || roll >= retention || roll > time.Hour.Milliseconds() {
				t.Errorf("retention %s: topic %s: segment.ms=%d, want at least %d, below retention.ms=%d, at most an hour", keep, s.Name, roll, minRoll, retention)
			}
			if b, ok := c["segment.bytes"]; ok {
				n := num("segment.bytes")
				largest := int64(brokerMaxBatch)
				if _, ok := c["max.message.bytes"]; ok {
					largest = num("max.message.bytes")
				}
				if n < minBytes || n <= largest || n > 4<<20 {
					t.Errorf("retention %s: topic %s: segment.bytes=%s, want at least %d, above its largest batch (%d), at most 4 MiB", keep, s.Name, b, minBytes, largest)
				}
			}
			if c["cleanup.policy"] != "compact,delete" {
				continue
			}
			compacted++
			if _, ok := c["segment.bytes"]; !ok {
				t.Errorf("retention %s: compacted topic %s keeps the broker's segment.bytes (1 GiB): its cleaned segments merge past the retention", keep, s.Name)
			}
			if lag := num("max.compaction.lag.ms"); lag < minRoll || lag >= retention {
				t.Errorf("retention %s: topic %s: max.compaction.lag.ms=%d, want %d ms to below retention.ms=%d", keep, s.Name, lag, minRoll, retention)
			}
			r, err := strconv.ParseFloat(c["min.cleanable.dirty.ratio"], 64)
			if err != nil || r <= 0 || r > 0.25 {
				t.Errorf("retention %s: topic %s: min.cleanable.dirty.ratio=%q, want in (0, 0.25]", keep, s.Name, c["min.cleanable.dirty.ratio"])
			}
		}
		if compacted != compactedTopics {
			t.Errorf("retention %s: %d compacted topics, want %d (the table and alerts)", keep, compacted, compactedTopics)
		}
	}
}
