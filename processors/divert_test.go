package processors

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func headerMap(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// copySize is what a record weighs against a producer's batch limit, near
// enough: its key, value and headers.
func copySize(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// TestDivertFitsMaxCopyBytes: a record over the limit (a compressed input
// batch can hold one) is cut so its dead-letter copy can be written, and
// says how long it was; one under the limit is copied whole.
func TestDivertFitsMaxCopyBytes(t *testing.T) {
	const limit = 64 << 10
	in, err := NewWindower(WindowerConfig{
		Window: time.Minute, Grace: 5 * time.Minute, DeltaPartitions: 4,
		DLQTopic: "logs.dlq", LateTopic: "logs.late", MaxEventBytes: 1 << 10, MaxCopyBytes: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 3*limit)
	small := []byte(strings.Repeat("y", 2<<10)) // over MaxEventBytes, within MaxCopyBytes
	b := mustBuild(t, in, []*kgo.Record{
		{Topic: "logs", Partition: 0, Offset: 1, Key: []byte("k"), Value: big},
		{Topic: "logs", Partition: 0, Offset: 2, Key: []byte("k"), Value: small},
	})
	if len(b.Rejected) != 2 {
		t.Fatalf("%d rejected, want 2", len(b.Rejected))
	}
	cut, whole := b.Rejected[0], b.Rejected[1]
	if h := headerMap(cut); h[HeaderError] != "too_large" || h[HeaderTruncated] != strconv.Itoa(len(big)) {
		t.Errorf("cut copy headers %v, want too_large and %s=%d", h, HeaderTruncated, len(big))
	}
	if n := copySize(cut); n > limit-copySlack || !bytes.HasPrefix(big, cut.Value) || len(cut.Value) == 0 {
		t.Errorf("cut copy weighs %d bytes (limit %d) with %d bytes of value", n, limit, len(cut.Value))
	}
	if h := headerMap(whole); h[HeaderError] != "too_large" || h[HeaderTruncated] != "" || !bytes.Equal(whole.Value, small) {
		t.Errorf("a copy within the limit was changed: headers %v, %d bytes", h, len(whole.Value))
	}
}
