package processors

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"github.com/logpulse/logpulse/codecs"
)

// A container runtime writes a line longer than its buffer (16 KiB) as
// several CRI records: "P" parts, then an "F" part. Windower counts such a
// line once, at its first part, which holds the line's header; the parts
// after it must not count again. It follows them per source: the record
// key (a shipper keys by file or container) and the stream, in the order
// of their input partition. Which sources are mid-line is state that rides
// in the offset commit beside the stream time, so a restart between the
// parts neither counts a tail nor loses the state.

// OpenSplit is a source whose split line's final part has not come yet.
type OpenSplit struct {
	Key    uint32 // FNV-1a of the record key
	Stream uint8  // 1 stdout, 2 stderr (codecs.Part.Stream)
}

// OpenSplits is the split state of one input partition, oldest first.
type OpenSplits []OpenSplit

// maxOpenSplits bounds a partition's split state (and so its share of the
// offset metadata, ~12 bytes per source). Parts of one line follow each
// other within milliseconds, so few sources are ever mid-line at once; past
// the bound the oldest is dropped, and its tail, should it still come,
// counts as an event of its own.
const maxOpenSplits = 32

// String writes s for the offset metadata: "key.stream" pairs in hex,
// comma-separated.
func (s OpenSplits) String() string {
	var b strings.Builder
	for i, o := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%08x.%d", o.Key, o.Stream)
	}
	return b.String()
}

// ParseOpenSplits reads what String wrote.
func ParseOpenSplits(v string) (OpenSplits, error) {
	if v == "" {
		return nil, nil
	}
	var s OpenSplits
	for _, f := range strings.Split(v, ",") {
		k, st, ok := strings.Cut(f, ".")
		key, err1 := strconv.ParseUint(k, 16, 32)
		stream, err2 := strconv.ParseUint(st, 10, 8)
		if !ok || err1 != nil || err2 != nil || stream < 1 || stream > 2 {
			return nil, fmt.Errorf("split state %q: want key.stream pairs", v)
		}
		s = append(s, OpenSplit{Key: uint32(key), Stream: uint8(stream)})
	}
	return s, nil
}

// RestoreSplits sets the split state of input partition p, read back as
// Restore's stream time is.
func (in *Windower) RestoreSplits(p int32, s OpenSplits) {
	if len(s) == 0 {
		delete(in.split, p)
		return
	}
	in.split[p] = s
}

// Splits returns the split state of input partition p.
func (in *Windower) Splits(p int32) OpenSplits { return in.split[p] }

// Forget drops the state of a partition this instance no longer owns: its
// next owner advances it, so a later reassignment must restore it anew.
func (in *Windower) Forget(p int32) {
	delete(in.streamTime, p)
	delete(in.recordTime, p)
	delete(in.split, p)
}

// continues follows the parts of split lines on partition p and reports
// whether part, from a record with key, continues a line already counted at
// its first part. It is called for rejected records too: a first part in
// the dead-letter topic holds its line, and the rest must not count.
func (in *Windower) continues(b *Batch, p int32, key []byte, part codecs.Part) bool {
	if part.Stream() == 0 {
		return false
	}
	h := fnv.New32a()
	h.Write(key)
	src := OpenSplit{Key: h.Sum32(), Stream: uint8(part.Stream())}
	open, seen := b.Splits[p]
	if !seen {
		open = slices.Clone(in.split[p]) // the batch may abort: copy
	}
	i := slices.Index(open, src)
	switch {
	case part.Partial() && i < 0:
		open = append(open, src)
		if len(open) > maxOpenSplits {
			open = slices.Delete(open, 0, 1)
		}
	case !part.Partial() && i >= 0:
		open = slices.Delete(open, i, i+1)
	}
	b.Splits[p] = open
	return i >= 0
}
