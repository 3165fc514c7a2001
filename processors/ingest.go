package processors

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Headers ingest adds to dead-letter and late records.
const (
	HeaderError        = "logpulse.error"
	HeaderErrorMessage = "logpulse.error.message"
	HeaderOriginTopic  = "logpulse.origin.topic"
	HeaderOriginPart   = "logpulse.origin.partition"
	HeaderOriginOffset = "logpulse.origin.offset"
	HeaderWindowStart  = "logpulse.window.start"
	HeaderStreamTime   = "logpulse.stream.time"
	// HeaderTruncated marks a dead-letter or late copy whose value was cut
	// to fit WindowerConfig.MaxCopyBytes; it holds the original value's
	// length in bytes.
	HeaderTruncated = "logpulse.truncated"
	ReasonLate      = "late"
	// HeaderHeartbeat marks a heartbeat record: no event, only a claim
	// that the partition's stream time has reached the record timestamp.
	// Written by ingest --idle-heartbeat so windows of a quiet partition
	// still close; being records of the input, they replay the same.
	HeaderHeartbeat      = "logpulse.heartbeat"
	headerContentType    = "content-type"
	defaultMaxEventBytes = 1 << 20
)

// DefaultMaxClockSkew is WindowerConfig.MaxClockSkew when unset: a few
// minutes absorb the drift of machines that keep time, not a wrong zone or
// a wrong date.
const DefaultMaxClockSkew = 5 * time.Minute

// DefaultIdle is the idleness bound of the ingest flag --idle-after: a
// minute of the other partitions' record times, long enough that a
// partition between two bursts of a steady producer keeps its place.
const DefaultIdle = time.Minute

// WindowerConfig configures Windower. Topic names are injected by the caller.
type WindowerConfig struct {
	Window        time.Duration // tumbling window size
	Grace         time.Duration // how long after its end a window accepts events
	MaxEventBytes int           // larger values go to the DLQ; 0 means 1 MiB
	// MaxClockSkew is how far an event's own time may run ahead of its
	// record's timestamp; one further ahead is counted at the record
	// timestamp (its clock is wrong), so no event moves stream time more
	// than this past the records. 0 means DefaultMaxClockSkew.
	MaxClockSkew time.Duration
	// Idle is how long an input partition may carry no record, by the
	// record timestamps of the others, before it stops holding back the
	// watermark (table.WatermarkOf); 0 means it always holds it back.
	Idle time.Duration
	// Registry resolves the writer schemas of Confluent-framed Avro; nil
	// sends such records to the DLQ with a message that asks for one.
	Registry codecs.SchemaRegistry
	// DeltaPartitions is the partition count of the deltas topic; watermark
	// keys are spread over all of them.
	DeltaPartitions int32
	DLQTopic        string // dead-letter topic for undecodable records
	LateTopic       string // where late events are kept, counted or not
	// MaxCopyBytes bounds a copy written to DLQTopic or LateTopic: a
	// compressed input batch can hold a record larger than any batch the
	// broker takes, and a copy the producer cannot write would fail every
	// transaction that holds it. A larger copy keeps its key and headers
	// and the start of its value, marked with HeaderTruncated. 0 means no
	// bound.
	MaxCopyBytes int
}

// Windower turns polled input records into deltas. It tracks the stream time
// (highest event time seen) of each input partition; Build does not change
// it, Commit does, so an aborted transaction can be retried with the same
// result.
type Windower struct {
	cfg        WindowerConfig
	dec        *codecs.Decoder
	streamTime map[int32]time.Time
	// recordTime is the newest record timestamp of each input partition
	// (unix ms) since this instance took it: watermarks carry it, so that
	// a partition that carries nothing for a while is seen to be idle.
	recordTime map[int32]int64
	// split holds, per input partition, the sources in the middle of a
	// line a container runtime split into parts (split.go).
	split  map[int32]OpenSplits
	wmKeys map[int32][]string
	// decoded is Build's decoding of a batch, kept for the next: a fresh
	// one per batch was the largest allocation of ingest (~130 bytes a
	// record) and set the garbage collector's pace.
	decoded []decoded
}

// NewWindower returns a Windower with no known stream times.
func NewWindower(cfg WindowerConfig) (*Windower, error) {
	if cfg.Window <= 0 || cfg.Grace < 0 || cfg.DeltaPartitions <= 0 {
		return nil, errors.New("windower: window and delta partitions must be positive and grace not negative")
	}
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = defaultMaxEventBytes
	}
	if cfg.Idle < 0 {
		return nil, errors.New("windower: idleness must not be negative")
	}
	if cfg.MaxClockSkew < 0 {
		return nil, errors.New("windower: max clock skew must not be negative")
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	return &Windower{
		cfg: cfg, dec: codecs.NewDecoder(cfg.MaxEventBytes, cfg.Registry),
		streamTime: make(map[int32]time.Time), recordTime: make(map[int32]int64), split: make(map[int32]OpenSplits), wmKeys: make(map[int32][]string),
	}, nil
}

// Batch is the output of one polled batch, to be written in one transaction.
type Batch struct {
	// Deltas are keyed by table.WindowKey.
	Deltas map[string]*table.Delta
	// Watermarks carry the stream time of every input partition in the
	// batch to every deltas partition. They must be produced after all
	// Deltas: a watermark that overtook a count delta on its partition would
	// let the view call a window final before its last count arrived.
	Watermarks []Watermark
	// Rejected are dead-letter records (DLQTopic), Late are late events
	// (LateTopic), both with the original key, value and headers.
	Rejected []*kgo.Record
	Late     []*kgo.Record
	// Counted are events counted in open windows, LateCounted in the late
	// field of closed ones; Reasons counts rejected records by reason.
	Counted, LateCounted table.Counts
	Reasons              map[string]int
	// Skewed counts the events counted at their record's timestamp
	// because their own time was more than MaxClockSkew ahead of it.
	Skewed int
	// StreamTimes are the input partitions' stream times after the batch;
	// Commit applies them once the transaction has committed. Splits are
	// the split states of those whose state changed, likewise.
	StreamTimes map[int32]time.Time
	Splits      map[int32]OpenSplits
	// RecordTimes are the newest record timestamps (unix ms) of the input
	// partitions after the batch, applied by Commit too.
	RecordTimes map[int32]int64

	byWindow map[windowID]*table.Delta // Deltas by service and window start
	next     map[int32]int64           // per partition, the offset after its last record
}

type windowID struct {
	service string
	start   int64 // unix seconds
}

// Watermark is one watermark record: key (table.WatermarkKey) and value.
type Watermark struct {
	Key   string
	Delta *table.Delta
}

// StreamTime returns the stream time of input partition p, if known.
func (in *Windower) StreamTime(p int32) (time.Time, bool) {
	t, ok := in.streamTime[p]
	return t, ok
}

// StreamTimes returns a copy of every known stream time.
func (in *Windower) StreamTimes() map[int32]time.Time {
	m := make(map[int32]time.Time, len(in.streamTime))
	for p, t := range in.streamTime {
		m[p] = t
	}
	return m
}

// Restore sets the stream time of input partition p, read back from the
// committed offset's metadata after a restart or rebalance.
func (in *Windower) Restore(p int32, t time.Time) { in.streamTime[p] = t }

// Commit applies a batch's stream times after its transaction committed.
// A partition forgotten meanwhile (revoked while the transaction ended) is
// not brought back: its next owner may have moved it on, so it must be
// restored from the committed offsets if it comes back.
func (in *Windower) Commit(b *Batch) {
	for p, t := range b.StreamTimes {
		if _, owned := in.streamTime[p]; owned {
			in.streamTime[p] = t
			in.recordTime[p] = max(in.recordTime[p], b.RecordTimes[p])
			if open, ok := b.Splits[p]; ok {
				in.RestoreSplits(p, open)
			}
		}
	}
}

// Build decodes and pre-aggregates records, which must be in offset order
// per partition (as a poll returns them). Every partition in records must
// have a known stream time (Restore), else it starts from zero. ends are
// the offsets the fetch said each partition ends at (its last stable
// offset); a partition whose records reach it (or all but a commit marker
// of it) is caught up, which its watermark says (table.Input.CaughtUp);
// nil ends says none is. An error
// is not about the records (the schema registry cannot be reached): the
// caller aborts and retries the batch.
func (in *Windower) Build(ctx context.Context, records []*kgo.Record, ends map[int32]int64) (*Batch, error) {
	b := &Batch{
		Deltas:      make(map[string]*table.Delta),
		Reasons:     make(map[string]int),
		StreamTimes: make(map[int32]time.Time),
		Splits:      make(map[int32]OpenSplits),
		RecordTimes: make(map[int32]int64),
		next:        make(map[int32]int64),
		byWindow:    make(map[windowID]*table.Delta),
	}
	decoded, err := in.decodeAll(ctx, records)
	if err != nil {
		return nil, err
	}
	for i, r := range records {
		in.add(b, r, &decoded[i])
	}
	for _, d := range b.Deltas {
		if d.Samples != nil {
			d.Samples = table.MergeSamples(d.Samples, nil, table.SamplesPerLevel)
		}
		d.Messages.Trim(table.MessageCapacity)
	}
	parts := slices.Sorted(maps.Keys(b.StreamTimes))
	for _, p := range parts {
		// A transaction's commit marker takes the offset after its last
		// record, and is never delivered.
		end, known := ends[p]
		b.Watermarks = in.appendWatermarks(b.Watermarks, p, b.StreamTimes[p], b.RecordTimes[p], known && b.next[p] >= end-1)
	}
	return b, nil
}

func (in *Windower) add(b *Batch, r *kgo.Record, dec *decoded) {
	st, seen := b.StreamTimes[r.Partition]
	if !seen {
		st = in.streamTime[r.Partition]
		b.RecordTimes[r.Partition] = in.recordTime[r.Partition]
	}
	b.RecordTimes[r.Partition] = max(b.RecordTimes[r.Partition], r.Timestamp.UnixMilli())
	b.next[r.Partition] = r.Offset + 1
	if dec.heartbeat {
		if r.Timestamp.After(st) {
			st = r.Timestamp.UTC()
		}
		b.StreamTimes[r.Partition] = st
		return
	}
	if de := dec.err; de != nil {
		in.continues(b, r.Partition, r.Key, codecs.CRIPart(r.Value))
		reason, msg := de.Reason, de.Msg
		b.Reasons[reason]++
		b.Rejected = append(b.Rejected, divert(r, in.cfg.DLQTopic, reason, msg, in.cfg.MaxCopyBytes))
		// A rejected record does not move stream time, but its partition
		// is in the batch, so its stream time goes into the commit.
		b.StreamTimes[r.Partition] = st
		return
	}
	diverted := false // a record of several late events is kept once
	// An event time past this is a wrong clock (WindowerConfig.MaxClockSkew).
	skewed := r.Timestamp.Add(in.cfg.MaxClockSkew)
	for _, ev := range dec.evs {
		if in.continues(b, r.Partition, r.Key, ev.Part) {
			continue
		}
		if !r.Timestamp.IsZero() && ev.Time.After(skewed) {
			ev.Time = r.Timestamp.UTC()
			b.Skewed++
		}
		if ev.Time.After(st) {
			st = ev.Time
		}
		diverted = in.count(b, r, ev, st, diverted)
	}
	b.StreamTimes[r.Partition] = st
}

// count adds one event to its window's delta, or to its late counts when
// the window closed before stream time st; then r goes to the late topic
// unless diverted says it went already. It reports whether r went.
func (in *Windower) count(b *Batch, r *kgo.Record, ev codecs.LogEvent, st time.Time, diverted bool) bool {
	start := WindowStart(ev.Time, in.cfg.Window)
	// Looked up by (service, start) first: building the string key per
	// event cost an allocation each.
	id := windowID{ev.Service, start.Unix()}
	d := b.byWindow[id]
	if d == nil {
		d = new(table.Delta)
		b.Deltas[table.WindowKey(ev.Service, start)] = d
		b.byWindow[id] = d
	}
	if Closed(start, in.cfg.Window, in.cfg.Grace, st) {
		d.Late[ev.Level]++
		b.LateCounted[ev.Level]++
		if diverted {
			return true
		}
		late := divert(r, in.cfg.LateTopic, ReasonLate, "window closed before the event arrived", in.cfg.MaxCopyBytes)
		late.Headers = append(late.Headers,
			kgo.RecordHeader{Key: HeaderWindowStart, Value: []byte(start.Format(time.RFC3339))},
			kgo.RecordHeader{Key: HeaderStreamTime, Value: []byte(st.Format(time.RFC3339Nano))})
		b.Late = append(b.Late, late)
		return true
	}
	d.Counts[ev.Level]++
	b.Counted[ev.Level]++
	if ev.Level >= table.SampledLevel {
		sample(d, ev, r)
	}
	return diverted
}

// sample keeps the event as one of its window's newest and counts its
// message template. Samples are trimmed in bulk: a batch of many errors
// sorts a few times, not once per event.
func sample(d *table.Delta, ev codecs.LogEvent, r *kgo.Record) {
	d.Samples = append(d.Samples, table.Sample{
		TimeMs: ev.Time.UnixMilli(), Level: ev.Level, Host: table.Truncate(ev.Host, 128),
		Message: table.Truncate(ev.Message, table.MaxSampleBytes), Partition: r.Partition, Offset: r.Offset,
	})
	if len(d.Samples) >= 8*table.SamplesPerLevel*codecs.NumLevels {
		d.Samples = table.MergeSamples(d.Samples, nil, table.SamplesPerLevel)
	}
	d.Messages.Add(ev.Level, table.Template(ev.Message), 1, table.MessageCapacity)
}

// appendWatermarks appends input partition p's watermark for every deltas
// partition.
func (in *Windower) appendWatermarks(wms []Watermark, p int32, stream time.Time, recordMs int64, caughtUp bool) []Watermark {
	wm := table.Delta{
		RecordTimeMs: recordMs, IdleMs: in.cfg.Idle.Milliseconds(), GraceMs: in.cfg.Grace.Milliseconds(),
		CaughtUp: caughtUp,
	}
	if !stream.IsZero() {
		wm.StreamTimeMs = stream.UnixMilli()
	}
	for _, k := range in.watermarkKeys(p) {
		d := wm
		wms = append(wms, Watermark{Key: k, Delta: &d})
	}
	return wms
}

// Announce returns the watermarks of input partitions this instance was
// assigned, before it counts anything of them: at their restored stream
// time, caught up or not. One caught up (nothing to read) may then be idle
// at once; one with records to read holds back the watermark until its
// records are counted (table.WatermarkOf).
func (in *Windower) Announce(parts []int32, caughtUp bool) []Watermark {
	var wms []Watermark
	for _, p := range parts {
		wms = in.appendWatermarks(wms, p, in.streamTime[p], in.recordTime[p], caughtUp)
	}
	return wms
}

func (in *Windower) watermarkKeys(p int32) []string {
	keys, ok := in.wmKeys[p]
	if !ok {
		keys = watermarkKeys(p, in.cfg.DeltaPartitions, table.WatermarkKey)
		in.wmKeys[p] = keys
	}
	return keys
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
