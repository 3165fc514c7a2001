package app

import (
	"log/slog"
	"os"
	"time"

	"github.com/logpulse/logpulse/topology"
)

// Config is everything Run needs; cmd/logpulse fills it from validated
// flags. Run does not validate it again.
type Config struct {
	// Brokers are the Kafka bootstrap brokers; empty starts the embedded
	// broker (Embedded) and runs against it.
	Brokers  []string
	Security topology.Security // TLS and SASL toward Brokers
	Prefix   string            // before every topic, group and transactional ID

	Partitions  int // partitions of logs, the deltas topic and the table
	Replication int // replication of created topics
	Window      time.Duration
	Grace       time.Duration
	Retention   time.Duration

	Ingest    IngestConfig
	Aggregate AggregateConfig
	API       APIConfig
	Embedded  EmbeddedConfig
	Demo      DemoConfig

	// OpsAddr serves /metrics, /healthz and /readyz of a process that runs
	// no View module; empty serves nothing.
	OpsAddr string
	Logger  *slog.Logger
}

// IngestConfig is the ingest stage's own configuration.
type IngestConfig struct {
	MaxEventBytes   int
	MaxClockSkew    time.Duration
	TransactionalID string        // before Prefix
	Registry        string        // schema registry URL(s), comma-separated; empty: none
	Heartbeat       time.Duration // idle heartbeat interval; 0: off
	Idle            time.Duration // processors.WindowerConfig.Idle
}

// AggregateConfig is the aggregate stage's own configuration.
type AggregateConfig struct {
	MaxServices int
	InstanceID  string // static group membership, before Prefix
}

// APIConfig is the view's HTTP API and its alerts.
type APIConfig struct {
	Addr          string
	MaxPoints     int
	CORSOrigins   []string
	Token         string // bearer token for /v1/; empty: none
	Rules         string // alert rules file; empty: the default rules
	PublishAlerts bool
}

// EmbeddedConfig is the embedded broker Run starts when Brokers is empty.
type EmbeddedConfig struct {
	Listen  string
	DataDir string // the broker keeps its data in DataDir/broker
	Sync    bool
}

// DemoConfig is the sample traffic Run produces when On.
type DemoConfig struct {
	On    bool
	Rate  float64
	Burst time.Duration
}

func (c *Config) layout() topology.Layout {
	return topology.Layout{Partitions: int32(c.Partitions), Replication: int16(c.Replication), Retention: c.Retention}
}

// PreflightWithin is how long a command waits for the brokers at start.
const PreflightWithin = 30 * time.Second

// Hostname is the default of per-instance names (transactional and
// instance IDs, client IDs): "local" when the system has none.
func Hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "local"
	}
	return h
}
