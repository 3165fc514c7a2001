package stage

import (
	"fmt"
	"log/slog"

	"github.com/logpulse/logpulse/topology"
	"github.com/lovoo/goka"
)

// gokaLogger sends goka's messages to slog at debug level: goka logs every
// partition state change at what it calls info, which is noise at ours.
type gokaLogger struct{ l *slog.Logger }

func (g gokaLogger) Print(v ...any)                 { g.l.Debug(fmt.Sprint(v...)) }
func (g gokaLogger) Println(v ...any)               { g.l.Debug(fmt.Sprint(v...)) }
func (g gokaLogger) Printf(format string, v ...any) { g.l.Debug(fmt.Sprintf(format, v...)) }

// processorOptions wire a goka processor to the cluster: each builder gets a
// fresh sarama config (goka's builders mutate theirs), and tables are kept in
// memory (see aggregate.go for why not LevelDB). sec is how they connect; sg
// is the processor's static group membership.
func processorOptions(replication int16, clientID string, sec topology.Security, sg *staticGroup, log *slog.Logger) []goka.ProcessorOption {
	return []goka.ProcessorOption{
		goka.WithConsumerGroupBuilder(sg.groupBuilder(goka.ConsumerGroupBuilderWithConfig(topology.GroupSaramaConfig(sec, sg.instanceID)), log)),
		goka.WithConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(topology.SaramaConfig(sec))),
		goka.WithProducerBuilder(goka.ProducerBuilderWithConfig(topology.SaramaConfig(sec))),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(topology.SaramaConfig(sec), topology.TopicManagerConfig(replication))),
		goka.WithHasher(goka.DefaultHasher()),
		goka.WithClientID(clientID),
		goka.WithLogger(gokaLogger{log}),
	}
}
