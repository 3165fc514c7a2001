package integration

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/internal/generator"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestTooLargeReachesDLQ: the limits agree. With default settings a record
// over --max-event-bytes (1 MiB) is taken by the broker and reaches the
// dead-letter topic whole, with reason too_large; the events around it are
// counted exactly.
func TestTooLargeReachesDLQ(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	evs, truth := events(2000, base, 10*time.Minute, 11)
	big := bytes.Repeat([]byte("x"), 3<<19) // 1.5 MiB
	var recs []*kgo.Record
	for i, e := range evs {
		recs = append(recs, generator.Record(n.topics.Logs, "json", e))
		if i == len(evs)/2 {
			recs = append(recs, &kgo.Record{Topic: n.topics.Logs, Key: []byte("big"), Value: big})
		}
	}
	// A client that can send it (franz-go's own batch limit is about 1 MB)
	// and does not compress it: the broker's limit is on the batch as sent.
	cl, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.DefaultProduceTopic(n.topics.Logs),
		kgo.ProducerBatchMaxBytes(4<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produceSync(t, cl, recs)

	got := n.settle(base, base.Add(10*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
	dlq := consume(t, n, n.topics.DLQ, 1)[0]
	hs := map[string]string{}
	for _, h := range dlq.Headers {
		hs[h.Key] = string(h.Value)
	}
	if hs["logpulse.error"] != "too_large" || string(dlq.Key) != "big" || !bytes.Equal(dlq.Value, big) || hs["logpulse.truncated"] != "" {
		t.Errorf("dead-letter record: key %q, %d bytes, headers reason %q truncated %q; want key big, %d bytes, too_large, whole",
			dlq.Key, len(dlq.Value), hs["logpulse.error"], hs["logpulse.truncated"], len(big))
	}
}
