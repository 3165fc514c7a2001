package stage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The stages' group membership: what they log of it, and how ingest leaves.

// staticGroup is what an aggregate knows of its goka consumer group: the
// member ID it has now, for the LeaveGroup of a clean stop (a static
// member's sarama client does not leave on close, so that a restart can
// take its place).
type staticGroup struct {
	instanceID string
	member     atomic.Pointer[string]
}

// memberID is the member ID of the current or last generation, "" before
// the first.
func (sg *staticGroup) memberID() string {
	if m := sg.member.Load(); m != nil {
		return *m
	}
	return ""
}

// groupBuilder wraps goka's consumer group builder so that every
// generation the processor joins, and every rebalance that ends one, is
// logged at INFO (goka logs them only at what our logger treats as debug,
// so a processor stuck in a rebalance looked, at INFO, like an idle one),
// the member ID is kept in sg, and a rebalance is rejoined at once (see
// staticConsumer.Consume).
func (sg *staticGroup) groupBuilder(build goka.ConsumerGroupBuilder, log *slog.Logger) goka.ConsumerGroupBuilder {
	return func(brokers []string, group, clientID string) (sarama.ConsumerGroup, error) {
		cg, err := build(brokers, group, clientID)
		if err != nil {
			return nil, err
		}
		log.Info("joining group", "group", group, "instance", sg.instanceID)
		return staticConsumer{ConsumerGroup: cg, sg: sg, log: log.With("group", group)}, nil
	}
}

type staticConsumer struct {
	sarama.ConsumerGroup
	sg  *staticGroup
	log *slog.Logger
}

// Consume runs one session after another until ctx is done or a session
// fails. sarama's Consume returns after each session, at every rebalance,
// and goka's processor then waits 5 s before it calls it again: 5 s more
// failover after every crash of another member, and a rebalance that
// waits for this member. Rejoining here at once is what every other Kafka
// client does; a session that ends within a second of the previous one
// rejoins after a second, so nothing spins.
func (c staticConsumer) Consume(ctx context.Context, topics []string, h sarama.ConsumerGroupHandler) error {
	h = &loggedHandler{ConsumerGroupHandler: h, sg: c.sg, log: c.log}
	for {
		began := time.Now()
		err := c.ConsumerGroup.Consume(ctx, topics, h)
		if errors.Is(err, sarama.ErrFencedInstancedId) {
			return fmt.Errorf("another aggregate instance runs with --instance-id %q (each instance needs its own): %w", c.sg.instanceID, err)
		}
		if err != nil || ctx.Err() != nil {
			return err
		}
		if time.Since(began) < time.Second {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
		}
		c.log.Info("rejoining group after a rebalance")
	}
}

// loggedHandler logs every session's partitions, and gives goka the
// session as an orderedSession, so that no offset is committed past a
// message whose table write has not succeeded (see inorder.go).
type loggedHandler struct {
	sarama.ConsumerGroupHandler
	sg      *staticGroup
	log     *slog.Logger
	session *orderedSession // of the current session: set by Setup, before any ConsumeClaim
}

func (h *loggedHandler) Setup(s sarama.ConsumerGroupSession) error {
	member := s.MemberID()
	h.sg.member.Store(&member)
	h.log.Info("partitions assigned", "generation", s.GenerationID(), "member", member, "partitions", claims(s))
	h.session = newOrderedSession(s)
	return h.ConsumerGroupHandler.Setup(h.session)
}

func (h *loggedHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	return h.ConsumerGroupHandler.ConsumeClaim(h.session, h.session.claim(c))
}

func (h *loggedHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	h.log.Info("partitions released: rebalance or stop", "generation", s.GenerationID(), "member", s.MemberID(), "partitions", claims(s))
	return h.ConsumerGroupHandler.Cleanup(h.session)
}

// claims are a session's partitions per topic, sorted.
func claims(s sarama.ConsumerGroupSession) map[string][]int32 {
	out := make(map[string][]int32, len(s.Claims()))
	for t, ps := range s.Claims() {
		out[t] = slices.Sorted(slices.Values(ps))
	}
	return out
}

// logGroup logs a change of this instance's input partitions at INFO: an
// operator reading the log sees each rebalance, its generation and what
// moved. Every assignment is logged, also an empty one (the partitions it
// added), so every generation the instance joins shows.
func (in *Ingest) logGroup(cl *kgo.Client, what string, parts map[string][]int32) {
	ps := parts[in.cfg.Topics.Logs]
	if len(ps) == 0 && what != "partitions assigned" {
		return
	}
	member, gen := cl.GroupMetadata()
	in.log.Info(what, "group", in.cfg.Topics.IngestGroup, "generation", gen, "member", member,
		"topic", in.cfg.Topics.Logs, "partitions", slices.Sorted(slices.Values(ps)))
}

// leave takes this instance's static membership out of the group after a
// clean stop, so its partitions move to the other instances now rather
// than after the session timeout (a static member's client does not leave
// on close, so that a restart can take its place).
func (in *Ingest) leave(member string) {
	leaveGroup(in.cfg.Brokers, in.cfg.ClientOpts, in.cfg.Topics.IngestGroup, member, in.cfg.TransactionalID, "logpulse ingest stopping", in.log)
}

// leaveGroup sends the LeaveGroup of a static member that stops cleanly.
// member is the member ID the instance had: a successor that already took
// the instance ID has another, and the coordinator refuses the leave
// (FENCED_INSTANCE_ID) instead of removing it.
func leaveGroup(brokers []string, opts []kgo.Opt, group, member, instance, reason string, log *slog.Logger) {
	if member == "" {
		return // never joined
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		log.Warn("leave group", "group", group, "err", err)
		return
	}
	defer cl.Close()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = group
	m := kmsg.NewLeaveGroupRequestMember()
	m.MemberID, m.InstanceID = member, &instance
	m.Reason = kmsg.StringPtr(reason)
	req.Members = append(req.Members, m)
	resp, err := req.RequestWith(ctx, cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
		for _, m := range resp.Members {
			err = errors.Join(err, kerr.ErrorForCode(m.ErrorCode))
		}
	}
	switch {
	case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.FencedInstanceID):
		// The client left on close (it owed a rejoin), or a
		// successor has the instance ID already: nothing to leave.
		log.Info("not in group any more", "group", group, "reason", err)
		return
	case err != nil:
		log.Warn("leave group: its partitions move after the session timeout", "group", group, "err", err)
		return
	}
	log.Info("left group", "group", group, "instance", instance)
}
