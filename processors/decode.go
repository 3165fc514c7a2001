package processors

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/logpulse/logpulse/codecs"
	"github.com/twmb/franz-go/pkg/kgo"
)

// decoded is one record's decoding: heartbeat, its events, or a
// DecodeError. evs is backed by one while the record holds one event, as
// most do, so a batch allocates no slice per record.
type decoded struct {
	heartbeat bool
	one       [1]codecs.LogEvent
	evs       []codecs.LogEvent
	err       *codecs.DecodeError
}

// parallelMin is the batch size from which decoding is spread over the
// cores: decoding is most of ingest's CPU and needs nothing but the record,
// while counting stays in order in one goroutine.
const parallelMin = 2048

// decodeAll decodes records, in parallel for a large batch. An error that is
// not a DecodeError (the schema registry cannot be reached) is returned, the
// first in record order, so the outcome does not depend on scheduling.
func (in *Windower) decodeAll(ctx context.Context, records []*kgo.Record) ([]decoded, error) {
	out := in.decoded
	if cap(out) < len(records) {
		out = make([]decoded, len(records))
	} else {
		out = out[:len(records)]
		clear(out)
	}
	in.decoded = out
	// Each range returns its first error: the first of the first range
	// with one is the first in record order.
	decodeRange := func(lo, hi int) (int, error) {
		for i := lo; i < hi; i++ {
			if err := in.decode(ctx, records[i], &out[i]); err != nil {
				return i, err
			}
		}
		return -1, nil
	}
	workers := min(runtime.GOMAXPROCS(0), len(records)/parallelMin)
	at, err := -1, error(nil)
	if workers <= 1 {
		at, err = decodeRange(0, len(records))
	} else {
		var wg sync.WaitGroup
		chunk := (len(records) + workers - 1) / workers
		ats := make([]int, workers)
		errs := make([]error, workers)
		for w := range workers {
			wg.Go(func() {
				lo := w * chunk
				ats[w], errs[w] = decodeRange(lo, min(lo+chunk, len(records)))
			})
		}
		wg.Wait()
		for w := range workers {
			if errs[w] != nil {
				at, err = ats[w], errs[w]
				break
			}
		}
	}
	if err != nil {
		r := records[at]
		return nil, fmt.Errorf("decode %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	return out, nil
}

func (in *Windower) decode(ctx context.Context, r *kgo.Record, out *decoded) error {
	if header(r, HeaderHeartbeat) != "" {
		out.heartbeat = true
		return nil
	}
	evs, err := in.dec.DecodeAllContext(ctx, codecs.Record{
		Key: r.Key, Value: r.Value, Timestamp: r.Timestamp, ContentType: header(r, headerContentType),
	}, out.one[:0])
	if err != nil {
		var de *codecs.DecodeError
		if !errors.As(err, &de) {
			return err
		}
		out.err = de
		return nil
	}
	out.evs = evs
	return nil
}
