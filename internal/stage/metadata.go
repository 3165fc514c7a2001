package stage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logpulse/logpulse/processors"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// metadataPrefix marks offset-commit metadata written by logpulse: the
// stream time of the partition at the committed offset, then fields
// ";name=value": "split", the sources mid-way through a line a container
// runtime split (processors.OpenSplits), written only while one is. A
// reader ignores fields it does not know, so a later version may add some;
// a version before the split field cannot read a commit that has one.
const (
	metadataPrefix = "logpulse:stream_time_ms="
	metadataSplit  = "split"
)

// partitionMetadata is the offset-commit metadata of one partition.
func partitionMetadata(t time.Time, split processors.OpenSplits) string {
	m := metadataPrefix + strconv.FormatInt(t.UnixMilli(), 10)
	if len(split) > 0 {
		m += ";" + metadataSplit + "=" + split.String()
	}
	return m
}

// parseMetadata reads what partitionMetadata wrote; ok is false for
// metadata that is not logpulse's (no commit yet, or another tool's).
func parseMetadata(m string) (t time.Time, split processors.OpenSplits, ok bool, err error) {
	rest, ok := strings.CutPrefix(m, metadataPrefix)
	if !ok {
		return time.Time{}, nil, false, nil
	}
	fields := strings.Split(rest, ";")
	n, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return time.Time{}, nil, true, fmt.Errorf("stream time %q: %w", fields[0], err)
	}
	for _, f := range fields[1:] {
		if name, v, _ := strings.Cut(f, "="); name == metadataSplit {
			if split, err = processors.ParseOpenSplits(v); err != nil {
				return time.Time{}, nil, true, err
			}
		}
	}
	return time.UnixMilli(n).UTC(), split, true, nil
}

// metadata returns the offset-commit metadata of every partition whose
// stream time is known after b. Callers hold in.mu.
func (in *Ingest) metadata(b *processors.Batch) map[int32]string {
	// kgo commits the partitions whose position moved, all of them in b;
	// every known stream time goes along anyway, so a partition in the
	// commit can never lose its stream time to the default metadata.
	m := make(map[int32]string)
	for p, t := range in.proc.StreamTimes() {
		m[p] = partitionMetadata(t, in.proc.Splits(p))
	}
	for p, t := range b.StreamTimes {
		split, ok := b.Splits[p]
		if !ok {
			split = in.proc.Splits(p)
		}
		m[p] = partitionMetadata(t, split)
	}
	return m
}

// restore reads back the committed stream time of every partition in
// records, and of every partition still to be announced (see announce.go),
// that this instance does not know yet (after a start or a rebalance). The
// group's committed offsets are stable by then: franz-go fetched them with
// RequireStable before it fetched the records.
func (in *Ingest) restore(ctx context.Context, records []*kgo.Record) error {
	in.mu.Lock()
	parts := slices.Collect(maps.Keys(in.unannounced))
	in.mu.Unlock()
	for _, r := range records {
		if !slices.Contains(parts, r.Partition) {
			parts = append(parts, r.Partition)
		}
	}
	_, err := in.restoreParts(ctx, parts, false)
	return err
}

// restoreParts restores the committed stream time of each of parts that
// this instance does not know yet and, if committed is set, returns the
// committed offsets of parts (those with a commit).
func (in *Ingest) restoreParts(ctx context.Context, parts []int32, committed bool) (map[int32]int64, error) {
	in.mu.Lock()
	var missing []int32
	for _, p := range parts {
		if _, ok := in.proc.StreamTime(p); !ok {
			missing = append(missing, p)
		}
	}
	rebalances := in.rebalances
	in.mu.Unlock()
	if len(missing) == 0 && !committed {
		return nil, nil
	}
	offs, err := in.adm.FetchOffsets(kadm.RequireStable(ctx), in.cfg.Topics.IngestGroup)
	if err != nil {
		return nil, fmt.Errorf("fetch committed offsets: %w", err)
	}
	offsets := make(map[int32]int64)
	restored := make(map[int32]time.Time, len(missing))
	splits := make(map[int32]processors.OpenSplits)
	for _, p := range parts {
		var st time.Time
		o, ok := offs.Lookup(in.cfg.Topics.Logs, p)
		if ok && o.Err != nil {
			// e.g. UNSTABLE_OFFSET_COMMIT while another member's
			// transaction is open: guessing zero would count late events
			// as on time, so the caller retries.
			return nil, fmt.Errorf("committed offset of %s/%d: %w", in.cfg.Topics.Logs, p, o.Err)
		}
		if ok {
			offsets[p] = o.At
		}
		if !slices.Contains(missing, p) {
			continue
		}
		if ok {
			t, split, _, err := parseMetadata(o.Metadata)
			if err != nil {
				return nil, fmt.Errorf("offset metadata of %s/%d: %w", in.cfg.Topics.Logs, p, err)
			}
			st, splits[p] = t, split
		}
		// No commit yet, or one without our metadata: nothing was
		// counted from this partition before, stream time starts at zero.
		restored[p] = st
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.rebalances != rebalances {
		// A partition revoked meanwhile would keep a stream time, and
		// one given back read offsets another instance has moved since.
		return nil, errors.New("the assignment changed while the committed offsets were read; reading them again")
	}
	for p, st := range restored {
		in.proc.Restore(p, st)
		in.proc.RestoreSplits(p, splits[p])
		in.log.Debug("restored stream time", "partition", p, "stream_time", st)
	}
	return offsets, nil
}
