package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/logpulse/logpulse/internal/app"
)

// embeddedFlags are run's embedded broker, started when --brokers is empty.
type embeddedFlags struct {
	dataDir, listen string
	sync            bool
}

func (f *embeddedFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "data-dir", "logpulse-data", "directory for the embedded broker's data; a second run on it resumes")
	fs.StringVar(&f.listen, "broker-listen", "127.0.0.1:9092", "address of the embedded broker, for any Kafka client")
	fs.BoolVar(&f.sync, "broker-sync", true, "fsync every produce in the embedded broker, so acknowledged events survive a crash")
}

func (f *embeddedFlags) validate() error {
	var errs []error
	if f.dataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty: the embedded broker keeps its data there"))
	}
	return errors.Join(append(errs, checkAddr("broker-listen", f.listen, false))...)
}

func (f *embeddedFlags) config() app.EmbeddedConfig {
	return app.EmbeddedConfig{Listen: f.listen, DataDir: f.dataDir, Sync: f.sync}
}

// demoGrace is --grace under --demo unless set.
const demoGrace = 15 * time.Second

// demoFlags are run's sample traffic.
type demoFlags struct {
	on    bool
	rate  float64
	burst time.Duration
}

func (f *demoFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.on, "demo", false, "also produce sample log traffic (and default --grace to 15s: demo events are never late)")
	fs.Float64Var(&f.rate, "demo-rate", 200, "events per second the --demo generator produces")
	fs.DurationVar(&f.burst, "demo-burst", 10*time.Minute, "the --demo generator bursts errors of one service in the last quarter of every such period (0: never), so alerts fire")
}

func (f *demoFlags) validate() error {
	var errs []error
	if f.on && f.rate <= 0 {
		errs = append(errs, fmt.Errorf("--demo-rate must be positive, got %v", f.rate))
	}
	if f.burst < 0 {
		errs = append(errs, fmt.Errorf("--demo-burst must not be negative, got %s", f.burst))
	}
	return errors.Join(errs...)
}

func (f *demoFlags) config() app.DemoConfig {
	return app.DemoConfig{On: f.on, Rate: f.rate, Burst: f.burst}
}

// opsFlags are the /metrics, /healthz and /readyz address of a stage
// command without the API.
type opsFlags struct {
	addr, def string // def: the command's default
}

func (f *opsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "metrics-addr", f.def, "address serving /metrics, /healthz and /readyz (empty: off)")
}

// validate checks the address's form only: one that cannot be served is
// logged and the stage runs on (two stages on one host with the same
// address).
func (f *opsFlags) validate() error { return checkAddr("metrics-addr", f.addr, true) }
