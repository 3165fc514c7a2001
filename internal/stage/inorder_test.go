package stage

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// markSession records the offsets marked on it.
type markSession struct {
	sarama.ConsumerGroupSession
	ctx    context.Context
	marked chan int64
}

func (s *markSession) MarkOffset(_ string, _ int32, offset int64, _ string) { s.marked <- offset }
func (s *markSession) Context() context.Context                             { return s.ctx }

type fakeClaim struct {
	sarama.ConsumerGroupClaim
	ch chan *sarama.ConsumerMessage
}

func (c fakeClaim) Messages() <-chan *sarama.ConsumerMessage { return c.ch }

// TestOrderedSessionCommitsNoGap is the broker-restart loss: the table
// write of the delta at offset 10 fails, the one at 13 (after a
// transaction marker at 12) succeeds and is marked first. The session must
// not commit past 10 until 10 is done, and then commits up to what is done
// in a row, skipping the offsets that were never delivered.
func TestOrderedSessionCommitsNoGap(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inner := &markSession{ctx: ctx, marked: make(chan int64, 16)}
	s := newOrderedSession(inner)
	src := make(chan *sarama.ConsumerMessage, 4)
	c := s.claim(fakeClaim{ch: src})
	for _, o := range []int64{10, 11, 13, 14} {
		src <- &sarama.ConsumerMessage{Topic: "deltas", Partition: 3, Offset: o}
	}
	close(src)
	var got []*sarama.ConsumerMessage
	for m := range c.Messages() {
		got = append(got, m)
	}
	if len(got) != 4 {
		t.Fatalf("claim handed on %d messages, want 4", len(got))
	}

	marks := func() []int64 {
		var out []int64
		for {
			select {
			case o := <-inner.marked:
				out = append(out, o)
			case <-time.After(10 * time.Millisecond):
				return out
			}
		}
	}
	s.MarkMessage(got[2], "") // 13 done, 10 and 11 not
	s.MarkMessage(got[1], "") // 11 done, 10 not
	if m := marks(); len(m) != 0 {
		t.Fatalf("committed %v while the message at offset 10 was not done", m)
	}
	s.MarkMessage(got[0], "") // 10: 10, 11, 13 done in a row
	if m := marks(); !slices.Equal(m, []int64{14}) {
		t.Fatalf("marks after 10 is done: %v, want [14] (the next to read after 13)", m)
	}
	s.MarkMessage(got[3], "")
	if m := marks(); !slices.Equal(m, []int64{15}) {
		t.Fatalf("marks after 14 is done: %v, want [15]", m)
	}
	// A mark below what was committed passes on (sarama ignores it).
	s.MarkOffset("deltas", 3, 5, "")
	if m := marks(); !slices.Equal(m, []int64{5}) {
		t.Fatalf("an old mark: %v, want [5] passed on", m)
	}
}

// TestOrderedClaimStopsWithTheSession checks that the claim's copy loop
// ends when the session does, even if nobody reads its messages.
func TestOrderedClaimStopsWithTheSession(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := newOrderedSession(&markSession{ctx: ctx, marked: make(chan int64, 1)})
	src := make(chan *sarama.ConsumerMessage, 1)
	src <- &sarama.ConsumerMessage{Offset: 1}
	c := s.claim(fakeClaim{ch: src})
	cancel()
	select {
	case _, ok := <-c.Messages():
		if ok {
			// The message may have been handed on before the cancel was
			// seen; the channel must close next.
			if _, ok := <-c.Messages(); ok {
				t.Fatal("claim handed on a second message")
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the claim's channel did not close after the session ended")
	}
}
