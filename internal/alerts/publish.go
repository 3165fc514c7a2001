package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// StateHeader is the record header that carries an alert's state on the
// alerts topic, so a consumer can filter without decoding the value.
const StateHeader = "logpulse.alert.state"

// NewPublisher returns a Config.Publish that writes each transition to
// topic as JSON keyed by the alert ID (the topic is compacted by ID: it
// keeps each alert's latest state), with the state in StateHeader. It waits
// for the broker's acknowledgement; cl should be an idempotent producer
// (kgo's default) so its own retries do not duplicate a record.
func NewPublisher(cl *kgo.Client, topic string) func(ctx context.Context, a Alert) error {
	return func(ctx context.Context, a Alert) error {
		v, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("encode alert %s: %w", a.ID, err)
		}
		rec := &kgo.Record{
			Topic: topic, Key: []byte(a.ID), Value: v,
			Headers: []kgo.RecordHeader{{Key: StateHeader, Value: []byte(a.State)}},
		}
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			return fmt.Errorf("produce alert %s to %s: %w", a.ID, topic, err)
		}
		return nil
	}
}

// LoadPublished reads the alerts topic (one partition) from its start to
// its last stable offset with read_committed and returns each alert ID's
// last state, for Config.Published (a tombstone removes the ID). It reads through a short-lived client
// built from cl's options, so cl must not be transactional or in a
// consumer group. A missing topic reads as empty; ctx bounds the read.
func LoadPublished(ctx context.Context, cl *kgo.Client, topic string) (map[string]string, error) {
	if id, _ := cl.OptValue(kgo.TransactionalID).(string); id != "" {
		return nil, errors.New("load published alerts: the client is transactional; pass a plain one")
	}
	if g, _ := cl.OptValue(kgo.ConsumerGroup).(string); g != "" {
		return nil, errors.New("load published alerts: the client is in a consumer group; pass a plain one")
	}
	if ts, _ := cl.OptValue(kgo.ConsumeTopics).([]string); len(ts) > 0 {
		return nil, errors.New("load published alerts: the client consumes topics; pass a plain one")
	}
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list start offsets of %s: %w", topic, err)
	}
	// Last stable offsets: read_committed cannot read past an open
	// transaction, so waiting for the high watermark could hang.
	ends, err := adm.ListCommittedOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("list end offsets of %s: %w", topic, err)
	}
	out := make(map[string]string)
	start, ok := starts.Lookup(topic, 0)
	end, ok2 := ends.Lookup(topic, 0)
	if !ok || !ok2 {
		return out, nil // no such topic: nothing published
	}
	if err := cmpErr(start.Err, end.Err); err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	if end.Offset <= start.Offset {
		return out, nil
	}
	rd, err := kgo.NewClient(append(cl.Opts(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().At(start.Offset)}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Commit markers take offsets too: see them so the last offset
		// before end is always reached.
		kgo.KeepControlRecords(),
	)...)
	if err != nil {
		return nil, fmt.Errorf("reader for %s: %w", topic, err)
	}
	defer rd.Close()
	for {
		fs := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read %s up to offset %d: %w", topic, end.Offset, err)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = cmpErr(ferr, err) })
		if ferr != nil {
			return nil, fmt.Errorf("read %s: %w", topic, ferr)
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end.Offset-1 {
				done = true
			}
			if r.Attrs.IsControl() || r.Offset >= end.Offset {
				return
			}
			switch st := stateOf(r); {
			case r.Value == nil: // a tombstone: the alert was deleted
				delete(out, string(r.Key))
			case st != "":
				out[string(r.Key)] = st
			}
		})
		if done {
			return out, nil
		}
	}
}

// stateOf is a record's alert state: the header, else the value's field.
func stateOf(r *kgo.Record) string {
	for _, h := range r.Headers {
		if h.Key == StateHeader {
			return string(h.Value)
		}
	}
	var a struct {
		State string `json:"state"`
	}
	if json.Unmarshal(r.Value, &a) != nil {
		return ""
	}
	return a.State
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
