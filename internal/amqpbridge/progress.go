package amqpbridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// progressVersion is the format of the progress topic's record values.
// The topic outlives a release: a reader skips a version it does not know.
const progressVersion = 1

// progressRecord is the value of a progress topic record: the ids of the
// messages one transaction wrote, or, once per start, a start marker.
type progressRecord struct {
	V     int      `json:"v"`
	IDs   []string `json:"ids,omitempty"`
	Start string   `json:"start,omitempty"` // a random nonce
}

// progressRetention keeps a week of ids; only the newest DedupIDs are read.
const progressRetention = 7 * 24 * time.Hour

// ensureProgressTopic creates the progress topic when it is missing: one
// partition (its order is the order of commits), the broker's default
// replication.
func ensureProgressTopic(ctx context.Context, adm *kadm.Client, topic string) error {
	topics, err := adm.ListTopics(ctx, topic)
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	if d, ok := topics[topic]; ok && d.Err == nil {
		if n := len(d.Partitions); n != 1 {
			return fmt.Errorf("progress topic %s has %d partitions, not 1: delete it (it holds only message ids) or name another with --amqp-progress-topic", topic, n)
		}
		return nil
	}
	retention := strconv.FormatInt(progressRetention.Milliseconds(), 10)
	policy := "delete"
	resp, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": &policy, "retention.ms": &retention}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create progress topic %s: %w", topic, err)
	}
	return nil
}

// markStart commits a start marker in a transaction of its own and returns
// its offset. Initialising the transactional producer has ended any
// transaction an earlier bridge with the same ID left open, so every
// transaction before the marker is decided when it commits: reading the
// topic up to the marker sees every committed id.
func markStart(ctx context.Context, cl *kgo.Client, topic, key string) (int64, error) {
	nonce := make([]byte, 8)
	rand.Read(nonce)
	v, _ := json.Marshal(progressRecord{V: progressVersion, Start: hex.EncodeToString(nonce)})
	if err := cl.BeginTransaction(); err != nil {
		return 0, fmt.Errorf("begin transaction: %w", err)
	}
	r := &kgo.Record{Topic: topic, Key: []byte(key), Value: v}
	if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
		cl.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort)
		return 0, fmt.Errorf("write start marker to %s: %w", topic, err)
	}
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return 0, fmt.Errorf("commit start marker: %w", err)
	}
	return r.Offset, nil
}

// loadIDs reads the committed ids of queue (the records' key) before the
// marker at offset mark into ids, oldest first, so ids keeps the newest.
// Other queues' ids are not this queue's: bridges of several queues may
// share the topic, and their publishers may number messages alike. It reads back from the mark
// in growing spans until it holds ids.cap ids or reached the topic's start.
func loadIDs(ctx context.Context, opts []kgo.Opt, topic, queue string, mark int64, ids *idSet) (int, error) {
	want := cap(ids.ring)
	span := int64(1024)
	for {
		from := max(mark-span, 0)
		got, err := readIDs(ctx, opts, topic, queue, from, mark)
		if err != nil {
			return 0, err
		}
		if len(got) >= want || from == 0 {
			for _, id := range got[max(len(got)-want, 0):] {
				ids.add(id)
			}
			return min(len(got), want), nil
		}
		span *= 4
	}
}

// readIDs returns the ids of queue's committed records in [from, mark).
func readIDs(ctx context.Context, opts []kgo.Opt, topic, queue string, from, mark int64) ([]string, error) {
	cl, err := kgo.NewClient(append(opts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().At(from)}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		return nil, fmt.Errorf("progress reader: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var ids []string
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read progress topic %s up to offset %d: %w", topic, mark, err)
		}
		var fatal error
		fs.EachError(func(_ string, _ int32, err error) {
			// Retention may have removed from: the reader resets to
			// the log's start by itself (the default reset policy).
			if !kerr.IsRetriable(err) && !errors.Is(err, kerr.OffsetOutOfRange) {
				fatal = err
			}
		})
		if fatal != nil {
			return nil, fmt.Errorf("read progress topic %s: %w", topic, fatal)
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if done || r.Offset >= mark {
				done = true
				return
			}
			var p progressRecord
			if string(r.Key) == queue && json.Unmarshal(r.Value, &p) == nil && p.V == progressVersion {
				ids = append(ids, p.IDs...)
			}
		})
		if done {
			return ids, nil
		}
	}
}
