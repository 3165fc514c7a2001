package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/logpulse/logpulse/codecs"
)

// DecodeDelta sets *d to the delta b holds, in the wire format or in the
// JSON written before it.
func DecodeDelta(b []byte, d *Delta) error {
	*d = Delta{}
	legacy, err := isLegacy(b)
	if err != nil {
		return err
	}
	if legacy {
		return decodeLegacy(b, d)
	}
	r := wireReader{b: b[1:]}
	d.StreamTimeMs = r.varint()
	d.Origin = r.varint()
	r.watermark(&d.RecordTimeMs, &d.IdleMs, &d.GraceMs, &d.CaughtUp)
	r.body(&d.Counts, &d.Late, &d.Samples, &d.Messages)
	return r.err
}

// DecodeValue sets *v to the table value b holds, in the wire format or in
// the JSON written before it.
func DecodeValue(b []byte, v *Value) error {
	*v = Value{}
	legacy, err := isLegacy(b)
	if err != nil {
		return err
	}
	if legacy {
		return decodeLegacy(b, v)
	}
	r := wireReader{b: b[1:]}
	v.Offset = r.varint()
	v.StreamTimeMs = r.varint()
	r.watermark(&v.RecordTimeMs, &v.IdleMs, &v.GraceMs, &v.CaughtUp)
	v.FinalMs = r.varint()
	r.body(&v.Counts, &v.Late, &v.Samples, &v.Messages)
	return r.err
}

// OffsetOf reads only the Offset of an encoded Value: the aggregate's
// recovery compares it for every record.
func OffsetOf(b []byte) (int64, error) {
	legacy, err := isLegacy(b)
	if err != nil {
		return 0, err
	}
	if legacy {
		var v struct {
			Offset int64 `json:"offset"`
		}
		err := decodeLegacy(b, &v)
		return v.Offset, err
	}
	r := wireReader{b: b[1:]}
	o := r.varint()
	return o, r.err
}

// isLegacy tells the JSON written before the wire format (an object, or
// null) from a value in it, and refuses a version this build does not know.
func isLegacy(b []byte) (bool, error) {
	if len(b) == 0 {
		return false, errors.New("empty table value")
	}
	switch b[0] {
	case wireVersion:
		return false, nil
	case '{', 'n', ' ', '\t', '\r', '\n':
		return true, nil
	}
	return false, fmt.Errorf("table value of format version %d, which this build does not read: run a release that does (docs/operations.md, Upgrading)", b[0])
}

// errShort is the error of a value cut short or otherwise not in the wire
// format.
var errShort = errors.New("table value: truncated or corrupt")

// wireReader reads the wire format; the first error sticks, and every read
// after it gives zeros.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) fail() {
	if r.err == nil {
		r.err = errShort
	}
	r.b = nil
}

func (r *wireReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// watermark reads the fields only watermark keys fill.
func (r *wireReader) watermark(recordMs, idleMs, graceMs *int64, caughtUp *bool) {
	*recordMs, *idleMs, *graceMs = r.varint(), r.varint(), r.varint()
	switch r.uvarint() {
	case 0:
	case 1:
		*caughtUp = true
	default:
		r.fail()
	}
}

func (r *wireReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a length of items of at least minBytes each, refusing one
// the rest of the value cannot hold (a corrupt length must not allocate).
func (r *wireReader) count(minBytes int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/minBytes) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *wireReader) string() string {
	n := r.count(1)
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *wireReader) level() codecs.Level {
	l := r.uvarint()
	if l >= uint64(codecs.NumLevels) {
		return codecs.LevelUnknown // a level of a newer build
	}
	return codecs.Level(l)
}

// body reads what deltas and values share.
func (r *wireReader) body(counts, late *Counts, samples *[]Sample, lm *LevelMessages) {
	r.counts(counts)
	r.counts(late)
	if n := r.count(6); n > 0 {
		*samples = make([]Sample, n)
		for i := range *samples {
			r.sample(&(*samples)[i])
		}
	}
	r.messages(lm)
}

func (r *wireReader) sample(s *Sample) {
	s.TimeMs = r.varint()
	s.Level = r.level()
	s.Host = r.string()
	s.Message = r.string()
	p := r.varint()
	if p < math.MinInt32 || p > math.MaxInt32 {
		r.fail()
	}
	s.Partition = int32(p)
	s.Offset = r.varint()
}

// counts reads a bitmap of levels and their counts; a level this build
// does not know is read and dropped.
func (r *wireReader) counts(c *Counts) {
	present := r.uvarint()
	for l := 0; present != 0; l++ {
		if present&1 != 0 {
			n := r.varint()
			if l < codecs.NumLevels {
				c[l] = n
			}
		}
		present >>= 1
	}
}

func (r *wireReader) messages(lm *LevelMessages) {
	present := r.uvarint()
	for l := 0; present != 0; l++ {
		if present&1 != 0 {
			m := &Messages{Other: r.varint()}
			n := r.count(2)
			m.Counts = make(map[string]int64, n)
			for range n {
				t := r.string()
				m.Counts[t] = r.varint()
			}
			if l < codecs.NumLevels {
				lm[l] = m
			}
		}
		present >>= 1
	}
}
