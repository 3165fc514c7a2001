package topology

import (
	"strconv"
	"time"
)

// How the broker rolls and cleans the topics logpulse reads back whole:
// the aggregate table (every stage that holds it recovers it on start) and
// the alerts topic (serve reads it on start). Kafka compacts and deletes
// only closed segments, and with its defaults (segment.ms 7 days,
// segment.bytes 1 GiB) a table's active segment holds every version of every
// window written since the last roll, all of which a restart reads again.
//
// What a recovery reads per partition is then bounded by:
//   - the live windows, once each (compacted);
//   - the active segment, which is never cleaned: at most segment.bytes, and
//     at most segment.ms of writes (a roll happens on the first write after
//     that, or sooner by max.compaction.lag.ms on a compacted topic);
//   - closed segments not cleaned yet: at most min.cleanable.dirty.ratio of
//     the closed log, and none older than max.compaction.lag.ms (plus the
//     cleaner's back-off, log.cleaner.backoff.ms, 15 s by default);
//   - expired windows: the cleaner merges cleaned segments into groups of up
//     to segment.bytes, and a group is deleted only when its newest record
//     is older than retention.ms, so with 1 GiB groups a partition smaller
//     than that would keep every window it ever held. segment.bytes bounds
//     what expired windows can add.
const (
	// minRoll is the shortest segment.ms logpulse asks for: Kafka accepts
	// 1 ms today, KIP-1030 raises its minimum to one minute in 5.0.
	minRoll = time.Minute
	// maxRoll bounds the writes the active segment collects by time,
	// whatever the retention: at most an hour of window updates is read
	// again uncompacted.
	maxRoll = time.Hour
	// compactedSegmentBytes is segment.bytes of the compacted topics: 8 MiB
	// of table records (~2 × 10⁴ versions of ~400 bytes) at most in the
	// active segment and in a group of expired windows. Kafka 4.x refuses
	// less than 1 MiB (KIP-1030; 3.9 takes 14 bytes), and a batch larger
	// than a segment is refused, so it stays well above the largest batch a
	// producer writes to these topics (the broker's message.max.bytes,
	// 1 MiB + 12 bytes by default; the table and alerts set no
	// max.message.bytes). Smaller segments would bound more tightly but roll
	// every few seconds under load, each roll a few files and an index.
	compactedSegmentBytes = 8 << 20
	// dirtyRatio is min.cleanable.dirty.ratio of the compacted topics:
	// Kafka's 0.5 lets stale versions make up half the closed log, so a
	// recovery could read twice the live windows from it; 0.1 keeps that
	// to a tenth. A cleaning rewrites the partition's whole closed log,
	// which for a table of windows is a few MiB.
	dirtyRatio = "0.1"
)

// rollEvery is the segment.ms of a topic that keeps records for retention:
// a 24th of it, so a closed segment is deleted at most ~4% of the retention
// after its newest record expires (with Kafka's 7 days, a topic of 24 h kept
// records up to 8 days), between minRoll and maxRoll.
func rollEvery(retention time.Duration) time.Duration {
	return min(max(retention/24, minRoll), maxRoll)
}

// compacted returns the configs of a compact,delete topic read back whole
// on start, keeping records for retention (see above for each setting).
func compacted(retention time.Duration) map[string]string {
	roll := millis(rollEvery(retention))
	return map[string]string{
		"cleanup.policy": "compact,delete",
		"retention.ms":   millis(retention),
		"segment.ms":     roll,
		// A stale version is cleaned at most about two rolls after it was
		// written, even when the dirty ratio is not reached (a quiet table).
		"max.compaction.lag.ms":     roll,
		"segment.bytes":             strconv.Itoa(compactedSegmentBytes),
		"min.cleanable.dirty.ratio": dirtyRatio,
	}
}

// tuned reports whether key only decides when the broker rolls and cleans
// a topic's segments, never which records a reader gets. Provision sets
// these on topics that exist already (an older release created them
// without), and Check reports them when they differ. Partitions and
// cleanup.policy are checked, not changed: changing them loses data or
// moves keys. retention.ms is left as the topic has it.
func tuned(key string) bool {
	switch key {
	case "segment.ms", "segment.bytes", "max.compaction.lag.ms", "min.cleanable.dirty.ratio":
		return true
	}
	return false
}

func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
