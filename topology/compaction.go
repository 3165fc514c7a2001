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
//     what expired windows can add. (Seen on Kafka 4.4.0: keys written once
//     to a compact,delete topic with retention.ms 90 s and segment.ms 10 s
//     were all still there after 240 s of updates to other keys.)
const (
	// minRoll is the shortest segment.ms logpulse asks for: Kafka accepts
	// 1 ms today, KIP-1030 raises its minimum to one minute in 5.0.
	minRoll = time.Minute
	// maxRoll bounds the writes the active segment collects by time,
	// whatever the retention: at most an hour of window updates is read
	// again uncompacted.
	maxRoll = time.Hour
	// compactedSegmentBytes is segment.bytes of the compacted topics. It
	// bounds both the active segment and what expired windows can add per
	// partition, and a day of 100 services' windows compacts to ~1.5 MiB
	// per partition of 6 (~65 bytes per record in compressed batches): so
	// with 8 MiB a steady table would keep ~5 days of expired windows
	// behind the live one, and read them all on every start. Kafka 4.x
	// refuses less than 1 MiB (KIP-1030; 3.9 takes 14 bytes), and refuses a
	// batch larger than a segment, so it stays above the largest batch the
	// broker takes (message.max.bytes, 1 MiB + 12 bytes by default; sarama
	// and franz-go send at most ~1 MB). The cost of small segments is more
	// rolls, each a few new files; the cleaner merges them again.
	compactedSegmentBytes = 2 << 20
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
