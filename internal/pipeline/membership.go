package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The stages' group membership: what they log of it, and how ingest leaves.

// loggedGroupBuilder wraps goka's consumer group builder so that every
// generation the processor joins, and every rebalance that ends one, is
// logged at INFO: goka logs them only at what our logger treats as debug,
// so a processor stuck in a rebalance looked, at INFO, like an idle one.
func loggedGroupBuilder(build goka.ConsumerGroupBuilder, log *slog.Logger) goka.ConsumerGroupBuilder {
	return func(brokers []string, group, clientID string) (sarama.ConsumerGroup, error) {
		cg, err := build(brokers, group, clientID)
		if err != nil {
			return nil, err
		}
		log.Info("joining group", "group", group)
		return loggedGroup{ConsumerGroup: cg, log: log.With("group", group)}, nil
	}
}

type loggedGroup struct {
	sarama.ConsumerGroup
	log *slog.Logger
}

func (g loggedGroup) Consume(ctx context.Context, topics []string, h sarama.ConsumerGroupHandler) error {
	return g.ConsumerGroup.Consume(ctx, topics, loggedHandler{ConsumerGroupHandler: h, log: g.log})
}

type loggedHandler struct {
	sarama.ConsumerGroupHandler
	log *slog.Logger
}

func (h loggedHandler) Setup(s sarama.ConsumerGroupSession) error {
	h.log.Info("partitions assigned", "generation", s.GenerationID(), "member", s.MemberID(), "partitions", claims(s))
	return h.ConsumerGroupHandler.Setup(s)
}

func (h loggedHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	h.log.Info("partitions released: rebalance or stop", "generation", s.GenerationID(), "member", s.MemberID(), "partitions", claims(s))
	return h.ConsumerGroupHandler.Cleanup(s)
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
// moved.
func (in *Ingest) logGroup(cl *kgo.Client, what string, parts map[string][]int32) {
	ps := parts[in.cfg.Topics.Logs]
	if len(ps) == 0 {
		return
	}
	member, gen := cl.GroupMetadata()
	in.log.Info(what, "group", in.cfg.Topics.IngestGroup, "generation", gen, "member", member,
		"topic", in.cfg.Topics.Logs, "partitions", slices.Sorted(slices.Values(ps)))
}

// leave takes this instance's static membership out of the group after a
// clean stop, so its partitions move to the other instances now rather
// than after the session timeout (a static member's client does not leave
// on close, so that a restart can take its place). member is the member ID
// the instance had: a successor that already took the instance ID has
// another, and the coordinator refuses the leave (FENCED_INSTANCE_ID)
// instead of removing it.
func (in *Ingest) leave(member string) {
	if member == "" {
		return // never joined
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(in.cfg.Brokers...)}, in.cfg.ClientOpts...)...)
	if err != nil {
		in.log.Warn("leave group", "err", err)
		return
	}
	defer cl.Close()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = in.cfg.Topics.IngestGroup
	m := kmsg.NewLeaveGroupRequestMember()
	m.MemberID, m.InstanceID = member, &in.cfg.TransactionalID
	m.Reason = kmsg.StringPtr("logpulse ingest stopping")
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
		in.log.Info("not in group any more", "group", in.cfg.Topics.IngestGroup, "reason", err)
		return
	case err != nil:
		in.log.Warn("leave group: its partitions move after the session timeout", "group", in.cfg.Topics.IngestGroup, "err", err)
		return
	}
	in.log.Info("left group", "group", in.cfg.Topics.IngestGroup, "instance", in.cfg.TransactionalID)
}
