// Package shipper sends log lines from files or standard input to the input
// topic: `logpulse produce --file` and `--stdin`. Files are followed like
// tail -F (internal/filetail) and a batch's read positions are checkpointed
// only after Kafka has acknowledged every line of it. With Multiline, the
// lines of a stack trace go as one record (internal/multiline).
package shipper

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/logpulse/logpulse/internal/filetail"
	"github.com/logpulse/logpulse/internal/multiline"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Config configures a shipper.
type Config struct {
	Brokers []string
	Topic   string
	// Files to follow; with none, Stdin is read.
	Files     []string
	Stdin     io.Reader
	FromStart bool
	// StateDir keeps the files' checkpoints.
	StateDir string
	// Key is the record key of every line (the service of a line that
	// names none); empty means the file's base name without extension
	// ("nginx" for /var/log/nginx.log), or "stdin".
	Key string
	// Multiline joins continuation lines to the event they continue and
	// sends each event as one record; nil sends every line as a record.
	Multiline  *multiline.Config
	Progress   io.Writer // a line per second; nil for none
	ClientOpts []kgo.Opt
}

// Run ships until ctx is done (files) or standard input ends.
func Run(ctx context.Context, cfg Config) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.DefaultProduceTopic(cfg.Topic),
		kgo.ProducerLinger(5 * time.Millisecond),
		kgo.RecordDeliveryTimeout(time.Minute),
	}, cfg.ClientOpts...)...)
	if err != nil {
		return fmt.Errorf("producer: %w", err)
	}
	defer cl.Close()

	var events, bytes atomic.Int64
	emit := func(batch []filetail.Line) error {
		recs := make([]*kgo.Record, len(batch))
		var n int64
		for i, l := range batch {
			recs[i] = &kgo.Record{Topic: cfg.Topic, Key: []byte(key(cfg.Key, l.Path)), Value: l.Text}
			n += int64(len(l.Text))
		}
		// Synchronous: the caller checkpoints the batch when this returns
		// nil, so every line must be acknowledged first.
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			return fmt.Errorf("produce: %w", err)
		}
		events.Add(int64(len(batch)))
		bytes.Add(n)
		return nil
	}
	stop := progress(ctx, cfg.Progress, &events, &bytes)
	defer stop()
	if len(cfg.Files) == 0 {
		return filetail.Stdin(ctx, cfg.Stdin, 0, cfg.Multiline, emit)
	}
	t, err := filetail.New(filetail.Config{
		Paths: cfg.Files, FromStart: cfg.FromStart, StateDir: cfg.StateDir, Multiline: cfg.Multiline,
	})
	if err != nil {
		return err
	}
	return t.Run(ctx, emit)
}

func key(k, path string) string {
	switch {
	case k != "":
		return k
	case path == "-" || path == "":
		return "stdin"
	}
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// progress prints events/s and bytes once a second until stop is called.
func progress(ctx context.Context, w io.Writer, events, bytes *atomic.Int64) (stop func()) {
	last := int64(0)
	return EverySecond(ctx, w, func(elapsed time.Duration) string {
		n := events.Load()
		defer func() { last = n }()
		return fmt.Sprintf("shipped %d events, %d bytes in %.0fs (%d events/s)\n", n, bytes.Load(), elapsed.Seconds(), n-last)
	})
}

// EverySecond writes line's answer to w once a second, and once more when
// ctx ends or stop is called: the progress line of every producer. elapsed
// is the time since the start. A nil w writes nothing.
func EverySecond(ctx context.Context, w io.Writer, line func(elapsed time.Duration) string) (stop func()) {
	if w == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		began := time.Now()
		for {
			select {
			case <-ctx.Done():
				io.WriteString(w, line(time.Since(began)))
				return
			case <-t.C:
				io.WriteString(w, line(time.Since(began)))
			}
		}
	}()
	return func() { cancel(); <-done }
}
