package stage

import (
	"sync"

	"github.com/IBM/sarama"
)

// In-order offset commits for the aggregate's goka processor.
//
// goka marks each input message as consumed once its table write (or loop
// record) is acknowledged, message by message, and sarama commits the
// highest offset marked. When a broker restart fails the table write of
// one message while a later message's write gets through, the later mark
// commits past the failed message; the processor then stops on the error,
// and its successor resumes after a delta that never reached the table:
// counts lost (seen as 57,447 of 60,000 in TestBrokerRestartMidStream).
// orderedSession forwards a mark only up to the first message that is not
// done yet, as a Kafka consumer's commit is meant to read: every message
// before the committed offset is processed. A redelivered delta is skipped
// by the table value's offset (processors.Apply), so committing late
// costs nothing but a redelivery.

// orderedSession is a consumer group session whose MarkOffset commits only
// offsets every earlier delivered message of the partition has reached.
type orderedSession struct {
	sarama.ConsumerGroupSession
	mu    sync.Mutex
	parts map[topicPartition]*inFlight
}

type topicPartition struct {
	topic     string
	partition int32
}

// inFlight is one partition's delivered messages whose offset is not
// committed yet, in delivery order, and which of them are done.
type inFlight struct {
	offsets []int64 // delivered, not yet committed; offsets[head:] are live
	head    int
	done    map[int64]bool
}

func newOrderedSession(s sarama.ConsumerGroupSession) *orderedSession {
	return &orderedSession{ConsumerGroupSession: s, parts: map[topicPartition]*inFlight{}}
}

func (s *orderedSession) part(topic string, partition int32) *inFlight {
	tp := topicPartition{topic, partition}
	f := s.parts[tp]
	if f == nil {
		f = &inFlight{done: map[int64]bool{}}
		s.parts[tp] = f
	}
	return f
}

// delivered records that the message at offset goes to the processor.
func (s *orderedSession) delivered(topic string, partition int32, offset int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.part(topic, partition)
	if f.head > 0 && f.head == len(f.offsets) {
		f.offsets, f.head = f.offsets[:0], 0
	}
	f.offsets = append(f.offsets, offset)
}

// MarkOffset takes goka's mark of the message before offset (goka marks
// offset+1, the next to read) and commits up to the first message of the
// partition that is not done. A mark for a message that was not delivered
// through ConsumeClaim is passed on as it is.
func (s *orderedSession) MarkOffset(topic string, partition int32, offset int64, metadata string) {
	s.mu.Lock()
	f := s.part(topic, partition)
	if f.head == len(f.offsets) || offset-1 < f.offsets[f.head] {
		s.mu.Unlock()
		s.ConsumerGroupSession.MarkOffset(topic, partition, offset, metadata)
		return
	}
	f.done[offset-1] = true
	next := int64(-1)
	for f.head < len(f.offsets) && f.done[f.offsets[f.head]] {
		delete(f.done, f.offsets[f.head])
		next = f.offsets[f.head] + 1
		f.head++
	}
	if f.head > 1024 && f.head*2 > len(f.offsets) {
		f.offsets, f.head = append(f.offsets[:0], f.offsets[f.head:]...), 0
	}
	s.mu.Unlock()
	if next >= 0 {
		s.ConsumerGroupSession.MarkOffset(topic, partition, next, metadata)
	}
}

// MarkMessage is MarkOffset of the offset after msg.
func (s *orderedSession) MarkMessage(msg *sarama.ConsumerMessage, metadata string) {
	s.MarkOffset(msg.Topic, msg.Partition, msg.Offset+1, metadata)
}

// orderedClaim is a claim whose messages are recorded by the session as
// they are handed on.
type orderedClaim struct {
	sarama.ConsumerGroupClaim
	messages chan *sarama.ConsumerMessage
}

// claim hands the messages of c on through a channel of its own, recording
// each one's offset first; it stops when c's channel closes or the session
// ends (sarama drains c's channel itself).
func (s *orderedSession) claim(c sarama.ConsumerGroupClaim) *orderedClaim {
	oc := &orderedClaim{ConsumerGroupClaim: c, messages: make(chan *sarama.ConsumerMessage)}
	go func() {
		defer close(oc.messages)
		done, in := s.Context().Done(), c.Messages()
		for {
			select {
			case m, ok := <-in:
				if !ok {
					return
				}
				s.delivered(m.Topic, m.Partition, m.Offset)
				select {
				case oc.messages <- m:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	return oc
}

func (c *orderedClaim) Messages() <-chan *sarama.ConsumerMessage { return c.messages }
