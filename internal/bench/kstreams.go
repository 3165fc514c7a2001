package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/logpulse/logpulse/internal/kstreams"
)

// peer is the Kafka Streams app (integration/peers/kstreams) on env's input,
// and a reader of its answer, the latest window counts on its output topic.
type peer struct {
	proc   *kstreams.Proc
	counts *kstreams.Counts
	log    string
}

func startPeer(ctx context.Context, e *env, stateDir string) (*peer, error) {
	cfg := e.cfg
	if cfg.KStreamsJar == "" {
		return nil, errors.New("the kstreams phase needs the peer's jar (--peer kstreams builds it)")
	}
	output := e.prefix + "kstreams-counts"
	adm, err := e.admin()
	if err != nil {
		return nil, err
	}
	_, err = adm.CreateTopic(ctx, int32(cfg.Partitions), int16(cfg.Replication), nil, output)
	adm.Close()
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", output, err)
	}
	p := &peer{log: filepath.Join(stateDir, "peer.log")}
	p.proc, err = kstreams.Start(kstreams.Config{
		Jar: cfg.KStreamsJar, Brokers: e.brokers, Input: e.topics.Logs, Output: output,
		ApplicationID: e.prefix + "kstreams", StateDir: filepath.Join(stateDir, "state"), LogFile: p.log,
		Window: cfg.Window, Grace: cfg.Grace, JavaOpts: cfg.KStreamsJavaOpts,
	})
	if err != nil {
		return nil, err
	}
	if p.counts, err = kstreams.NewCounts(e.brokers, output); err != nil {
		return nil, errors.Join(err, p.proc.Stop())
	}
	return p, nil
}

// count reads the output topic once (at most one fetch wait) and returns
// the sum of the latest counts; an exited JVM is an error.
func (p *peer) count(ctx context.Context) (int64, error) {
	select {
	case <-p.proc.Exited():
		return p.counts.Total(), p.proc.ExitErr()
	default:
	}
	p.proc.PeakRSS()
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	total, err := p.counts.Poll(pctx)
	if err != nil && pctx.Err() != nil && ctx.Err() == nil {
		err = nil // no fetch answered in time: nothing new
	}
	return total, err
}

// running reports whether the app has reached RUNNING (its state line).
func (p *peer) running() bool {
	b, _ := os.ReadFile(p.log)
	return strings.Contains(string(b), "-> RUNNING")
}

func (p *peer) stop() error {
	p.counts.Close()
	return p.proc.Stop()
}

// runKStreams starts the peer from offset 0 and waits until its latest
// window counts add up to exactly n.
func runKStreams(ctx context.Context, e *env, n int) (time.Duration, []ProcRSS, error) {
	dir, err := os.MkdirTemp("", "logpulse-bench-kstreams-")
	if err != nil {
		return 0, nil, err
	}
	defer os.RemoveAll(dir)
	began := time.Now()
	p, err := startPeer(ctx, e, dir)
	if err != nil {
		return 0, nil, err
	}
	werr := waitCount(ctx, int64(n), 10*time.Minute, p.count)
	answered := time.Since(began)
	serr := p.stop()
	if werr != nil {
		return 0, nil, errors.Join(fmt.Errorf("kafka streams: %w", werr), serr)
	}
	return answered, []ProcRSS{{Name: "kafka-streams", HWM: p.proc.PeakRSS()}}, nil
}
