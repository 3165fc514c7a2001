package amqpbridge

import (
	"fmt"
	"sort"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Record header keys of the message properties. content-type is the one
// the pipeline reads: application/json or text/plain forces the format.
const (
	HeaderContentType = "content-type"
	HeaderMessageID   = "amqp.message-id"
	HeaderTimestamp   = "amqp.timestamp" // RFC 3339
	headerPrefix      = "amqp."          // the other properties
	headerTablePrefix = "amqp.header."   // the message's own headers table
)

// headers carries a delivery's properties as record headers; unset ones
// are left out.
func headers(d *amqp.Delivery) []kgo.RecordHeader {
	var hs []kgo.RecordHeader
	add := func(k, v string) {
		if v != "" {
			hs = append(hs, kgo.RecordHeader{Key: k, Value: []byte(v)})
		}
	}
	add(HeaderContentType, d.ContentType)
	add(headerPrefix+"content-encoding", d.ContentEncoding)
	add(HeaderMessageID, d.MessageId)
	if !d.Timestamp.IsZero() {
		add(HeaderTimestamp, d.Timestamp.UTC().Format(time.RFC3339))
	}
	add(headerPrefix+"type", d.Type)
	add(headerPrefix+"app-id", d.AppId)
	add(headerPrefix+"correlation-id", d.CorrelationId)
	add(headerPrefix+"user-id", d.UserId)
	add(headerPrefix+"exchange", d.Exchange)
	add(headerPrefix+"routing-key", d.RoutingKey)
	keys := make([]string, 0, len(d.Headers))
	for k := range d.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := d.Headers[k].(type) {
		case nil:
		case []byte:
			add(headerTablePrefix+k, string(v))
		case time.Time:
			add(headerTablePrefix+k, v.UTC().Format(time.RFC3339))
		default:
			add(headerTablePrefix+k, fmt.Sprint(v))
		}
	}
	return hs
}
