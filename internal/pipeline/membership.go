package pipeline

import (
	"context"
	"log/slog"
	"slices"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

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
