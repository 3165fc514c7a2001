package topology

import (
	"maps"
	"strconv"
	"time"

	"github.com/lovoo/goka"
)

// Topics names every topic and group logpulse uses. Users touch Logs (input),
// DLQ and Late; the rest are internal.
type Topics struct {
	Logs        string // input: any client, any format, any partitioner
	DLQ         string // records that cannot be counted, with the reason
	Late        string // events that arrived after their window closed
	Deltas      string // ingest → aggregate, keyed service|window (goka hash)
	IngestGroup string // franz-go consumer group of the ingest stage
	// AggregateGroup is the goka group; its table is AggregateGroup+"-table".
	AggregateGroup string
	// Alerts receives every firing and resolving alert, keyed by alert ID,
	// for any consumer (pager bridges, chat bots).
	Alerts string
}

// DefaultTopics returns the names of docs/design.md, Data flow.
func DefaultTopics() Topics {
	return Topics{
		Logs:           "logs",
		DLQ:            "logs.dlq",
		Late:           "logs.late",
		Deltas:         "logpulse-deltas",
		IngestGroup:    "logpulse-ingest",
		AggregateGroup: "logpulse-aggregate",
		Alerts:         "logpulse-alerts",
	}
}

// WithPrefix puts prefix before every name, so several pipelines (or test
// runs) can share one cluster without sharing a topic or group.
func (t Topics) WithPrefix(prefix string) Topics {
	return Topics{
		Logs: prefix + t.Logs, DLQ: prefix + t.DLQ, Late: prefix + t.Late, Deltas: prefix + t.Deltas,
		IngestGroup: prefix + t.IngestGroup, AggregateGroup: prefix + t.AggregateGroup, Alerts: prefix + t.Alerts,
	}
}

// Table is the aggregate table topic goka keeps for AggregateGroup.
func (t Topics) Table() string { return string(goka.GroupTable(goka.Group(t.AggregateGroup))) }

// Loop is the loop topic goka reads for AggregateGroup: deltas of services
// past the cap of their window, on their way to an overflow key.
func (t Topics) Loop() string { return t.AggregateGroup + "-loop" }

// MaxDivertBytes is the largest batch ingest writes (a dead-letter or late
// copy of a large input record must fit, cut to fit if it must), and the
// max.message.bytes of the input topic and of the topics ingest writes: a
// record over ingest's --max-event-bytes (1 MiB) reaches ingest and its
// dead-letter copy instead of being refused by the broker, which on Kafka
// and on the embedded broker refuses batches over 1 MiB plus 12 bytes by
// default (message.max.bytes).
const MaxDivertBytes = 16 << 20

func withMax(c map[string]string) map[string]string {
	c["max.message.bytes"] = strconv.Itoa(MaxDivertBytes)
	return c
}

// TopicSpec is one topic as logpulse wants it.
type TopicSpec struct {
	Name        string
	Partitions  int32
	Replication int16
	Configs     map[string]string
}

// Layout is what Specs needs to size the topics.
type Layout struct {
	Partitions  int32 // partitions of logs, deltas and the table
	Replication int16
	Retention   time.Duration // how long windows are kept
}

// Specs returns every topic with its configs. The deltas topic and the table
// must have the same partition count: goka co-partitions them, and a key's
// delta and its table value must land on the same partition number.
func (t Topics) Specs(l Layout) []TopicSpec {
	week := 7 * 24 * time.Hour
	deleted := func(keep time.Duration) map[string]string {
		return map[string]string{"cleanup.policy": "delete", "retention.ms": millis(keep)}
	}
	deltas := withMax(deleted(l.Retention))
	// Without it the active segment stays open for Kafka's 7 days, and
	// deltas past the retention stay on disk that long (compaction.go).
	deltas["segment.ms"] = millis(rollEvery(l.Retention))
	logs := deleted(week)
	// The broker stamps each input record with its own clock: a producer
	// whose clock is wrong cannot move stream time (InputTimestamps).
	logs[timestampType] = logAppendTime
	return []TopicSpec{
		// Room for records over ingest's --max-event-bytes, so they reach
		// the DLQ as too_large rather than being refused at produce.
		{Name: t.Logs, Partitions: l.Partitions, Replication: l.Replication, Configs: withMax(logs)},
		// Copies of input records plus headers: room for a record as large
		// as the input topic itself accepts.
		{Name: t.DLQ, Partitions: 1, Replication: l.Replication, Configs: withMax(deleted(week))},
		{Name: t.Late, Partitions: 1, Replication: l.Replication, Configs: withMax(deleted(week))},
		// Deltas are read again only after a crash, from the aggregate's
		// last commit. Ingest's producer batches up to MaxDivertBytes for
		// every topic it writes, this one included, so its segments keep
		// the broker's size (a batch larger than segment.bytes is refused).
		{Name: t.Deltas, Partitions: l.Partitions, Replication: l.Replication, Configs: deltas},
		// The aggregate's loop (see AggregateGraph): read as soon as
		// written, and again only after a crash, as the deltas. goka
		// co-partitions it with the deltas and the table.
		{Name: t.Loop(), Partitions: l.Partitions, Replication: l.Replication, Configs: maps.Clone(deltas)},
		// Windows older than the retention leave the table: compact keeps
		// the latest value per key, delete drops keys not updated within
		// the retention. Every start recovers it, so its segments roll and
		// are cleaned often (compaction.go).
		{Name: t.Table(), Partitions: l.Partitions, Replication: l.Replication, Configs: compacted(l.Retention)},
		// One partition keeps alerts in the order they fired; compaction
		// keeps each alert's latest state, delete drops week-old ones.
		// serve reads it whole on start.
		{Name: t.Alerts, Partitions: 1, Replication: l.Replication, Configs: compacted(week)},
	}
}
