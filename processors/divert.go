package processors

import (
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// copySlack is room in a copy for the batch and record framing and for the
// headers added after divert (a late copy's window and stream time).
const copySlack = 1024

// divert copies r for topic with the reason headers and its origin; the key,
// value and original headers are kept unchanged, except that a value that
// would make the copy larger than maxBytes (> 0) is cut (HeaderTruncated).
func divert(r *kgo.Record, topic, reason, msg string, maxBytes int) *kgo.Record {
	hs := make([]kgo.RecordHeader, 0, len(r.Headers)+5)
	hs = append(hs, r.Headers...)
	hs = append(hs,
		kgo.RecordHeader{Key: HeaderError, Value: []byte(reason)},
		kgo.RecordHeader{Key: HeaderErrorMessage, Value: []byte(msg)},
		kgo.RecordHeader{Key: HeaderOriginTopic, Value: []byte(r.Topic)},
		kgo.RecordHeader{Key: HeaderOriginPart, Value: []byte(strconv.Itoa(int(r.Partition)))},
		kgo.RecordHeader{Key: HeaderOriginOffset, Value: []byte(strconv.FormatInt(r.Offset, 10))},
	)
	value := r.Value
	if maxBytes > 0 {
		room := maxBytes - copySlack - len(r.Key)
		for _, h := range hs {
			room -= len(h.Key) + len(h.Value)
		}
		if len(value) > room {
			mark := kgo.RecordHeader{Key: HeaderTruncated, Value: []byte(strconv.Itoa(len(value)))}
			hs = append(hs, mark)
			value = value[:max(room-len(mark.Key)-len(mark.Value), 0)]
		}
	}
	return &kgo.Record{Topic: topic, Key: r.Key, Value: value, Headers: hs, Timestamp: r.Timestamp}
}
