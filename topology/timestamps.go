package topology

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
)

const (
	timestampType = "message.timestamp.type"
	logAppendTime = "LogAppendTime"
)

// BrokerStampsInput reports whether the input topic's records carry the
// broker's append time (message.timestamp.type=LogAppendTime, which
// Specs sets when logpulse creates the topic) rather than the producers'.
//
// Ingest trusts a record's timestamp: an event more than --max-clock-skew
// ahead of it counts at the record's time. With producer timestamps
// (CreateTime) a producer whose own clock runs ahead stamps the record
// wrong too, and only the broker's message.timestamp.after.max.ms (1 h by
// default since Kafka 4.0, unbounded before) limits how far it moves
// stream time, closing windows early.
func BrokerStampsInput(ctx context.Context, adm *kadm.Client, topic string) (bool, error) {
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return false, fmt.Errorf("describe topic %s: %w", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		return false, fmt.Errorf("describe topic %s: %w", topic, err)
	}
	if rc.Err != nil {
		return false, fmt.Errorf("describe topic %s: %w", topic, rc.Err)
	}
	for _, c := range rc.Configs {
		if c.Key == timestampType {
			return c.MaybeValue() == logAppendTime, nil
		}
	}
	return false, nil
}
