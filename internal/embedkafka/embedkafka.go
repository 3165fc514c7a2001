// Package embedkafka runs the embedded Kafka-protocol broker (franz-go's
// kfake) that `logpulse run` and `logpulse broker` start when no cluster is
// given, and that the hermetic tests use. It is the only package that imports
// kfake.
package embedkafka

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Config configures the broker.
type Config struct {
	// Listen is host:port; port 0 picks a free port.
	Listen string
	// DataDir persists the log, groups and transactions; empty keeps all in
	// memory (lost on exit).
	DataDir string
	// SyncWrites fsyncs every produce before acknowledging it, so an
	// acknowledged event survives a SIGKILL of the broker process.
	SyncWrites bool
	// Partitions is the default for auto-created topics.
	Partitions int
	Logger     *slog.Logger
	// Auth, when set, makes the broker serve TLS, require SASL logins and
	// (with Auth.ACLs) check ACLs, as a secured production cluster does.
	Auth *Auth
	// MaxMessageBytes is the broker's message.max.bytes: the largest batch
	// it accepts for a topic that sets no max.message.bytes. 0 keeps
	// Kafka's default, 1 MiB plus 12 bytes of batch overhead.
	MaxMessageBytes int
	// WriteSettle is how long writes to DataDir must succeed again after a
	// failure before WriteError reports nil; 0 means 2 s.
	WriteSettle time.Duration
}

// Broker is a running embedded broker.
type Broker struct {
	c      *kfake.Cluster
	writes *writeState
}

// Start starts the broker; Close stops it.
func Start(cfg Config) (*Broker, error) {
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("broker listen address %q: %w (want host:port, e.g. 127.0.0.1:9092)", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("broker listen port %q: %w", portStr, err)
	}
	if port == 0 {
		// kfake treats port 0 as "pick one" only through NumBrokers;
		// reserve a free port so the address is known before start.
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	opts := []kfake.Opt{
		kfake.Ports(port),
		// kfake listens on 127.0.0.1; the host of --broker-listen wins.
		kfake.ListenFn(func(network, addr string) (net.Listener, error) {
			_, p, _ := net.SplitHostPort(addr)
			return net.Listen(network, net.JoinHostPort(host, p))
		}),
		kfake.ClusterID("logpulse-embedded"),
		kfake.AllowAutoTopicCreation(),
	}
	if cfg.Partitions > 0 {
		opts = append(opts, kfake.DefaultNumPartitions(cfg.Partitions))
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	if cfg.Logger != nil {
		opts = append(opts, kfake.WithLogger(slogLogger{cfg.Logger}))
	}
	if cfg.Auth != nil {
		opts = append(opts, cfg.Auth.opts()...)
	}
	if cfg.MaxMessageBytes > 0 {
		opts = append(opts, kfake.BrokerConfigs(map[string]string{"message.max.bytes": strconv.Itoa(cfg.MaxMessageBytes)}))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	writes := &writeState{log: log, dataDir: cfg.DataDir, settle: cfg.WriteSettle}
	if writes.settle <= 0 {
		writes.settle = defaultWriteSettle
	}
	opts = append(opts, kfake.WriteHealthFn(writes.report))
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker on %s: %w", cfg.Listen, err)
	}
	return &Broker{c: c, writes: writes}, nil
}

// Addrs returns the broker addresses for clients.
func (b *Broker) Addrs() []string { return b.c.ListenAddrs() }

// WriteError says why the broker cannot write its data dir (the path and
// the OS error, "no space left on device"), or nil while it can. Produces
// to the partitions it cannot write fail meanwhile. After a failure it
// stays non-nil until the broker's writes have succeeded for
// Config.WriteSettle: an idle broker that wrote nothing since reports the
// failure still.
func (b *Broker) WriteError() error { return b.writes.current() }

// Close stops the broker, flushing persisted state.
func (b *Broker) Close() { b.c.Close() }

// Run blocks until ctx is done, then closes the broker.
func (b *Broker) Run(ctx context.Context) error {
	<-ctx.Done()
	b.Close()
	return nil
}

// slogLogger forwards kfake's errors as warnings and the rest at debug: its
// warnings are mostly timing notes ("EndTxn slow") that say nothing to a user.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		s.l.Warn("broker", "detail", fmt.Sprintf(format, args...))
	case kfake.LogLevelWarn:
		s.l.Debug("broker", "detail", fmt.Sprintf(format, args...))
	}
}
