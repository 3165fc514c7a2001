package filetail

import (
	"time"

	"github.com/logpulse/logpulse/internal/multiline"
)

// joiner passes one input's lines through a multiline.Joiner and remembers
// where the event it holds lies in the input, so that the checkpoint stays
// before that event until it has been emitted. A nil *joiner joins nothing:
// every line is an event.
type joiner struct {
	j     *multiline.Joiner
	path  string // Line.Path of the held event's first line
	start int64  // offset of the held event's first line
	raw   int64  // input bytes of the held lines, line endings included
	cut   bool   // a held line was truncated
}

// newJoiner returns a joiner for cfg, or nil when cfg is nil.
func newJoiner(cfg *multiline.Config) (*joiner, error) {
	if cfg == nil {
		return nil, nil
	}
	j, err := multiline.New(*cfg)
	if err != nil {
		return nil, err
	}
	return &joiner{j: j}, nil
}

// push passes l, read at now and covering raw bytes of the input, into b:
// as it is without a Joiner, else the event l ends, if it ends one.
func (jn *joiner) push(b *batch, fl *follower, l Line, raw int64, now time.Time) {
	if jn == nil {
		b.add(fl, l, raw, 1)
		return
	}
	starts := !jn.j.Pending()
	if ev, ok := jn.j.Add(l.Text, now); ok {
		jn.emit(b, fl, ev)
		starts = true
	}
	// l is held now: the first line of an event, or after the lines it
	// continues.
	if starts {
		jn.path, jn.start = l.Path, l.Offset
	}
	jn.raw += raw
	jn.cut = jn.cut || l.Truncated
}

// flush adds the held event, if any, to b.
func (jn *joiner) flush(b *batch, fl *follower) {
	if jn == nil {
		return
	}
	if ev, ok := jn.j.Flush(); ok {
		jn.emit(b, fl, ev)
	}
}

func (jn *joiner) emit(b *batch, fl *follower, ev multiline.Event) {
	b.add(fl, Line{Path: jn.path, Text: ev.Text, Offset: jn.start, Truncated: jn.cut}, jn.raw, int64(ev.Lines))
	jn.path, jn.start, jn.raw, jn.cut = "", 0, 0, false
}

// due reports whether the held event should be emitted without waiting for
// the line that would end it.
func (jn *joiner) due(now time.Time) bool { return jn != nil && jn.j.Due(now) }

// dueIn is how long after now the held event becomes due; ok is false when
// nothing is held or there is no timeout.
func (jn *joiner) dueIn(now time.Time) (time.Duration, bool) {
	if jn == nil {
		return 0, false
	}
	return jn.j.DueIn(now)
}

// held returns the offset of the held event's first line; ok is false when
// nothing is held.
func (jn *joiner) held() (start int64, ok bool) {
	if jn == nil || !jn.j.Pending() {
		return 0, false
	}
	return jn.start, true
}
