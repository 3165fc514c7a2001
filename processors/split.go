package processors

import "github.com/logpulse/logpulse/codecs"

// Bits of Ingest's split state: the stream whose last line part (a CRI "P"
// line) was not followed by its final part yet.
const (
	SplitStdout uint8 = 1 << iota
	SplitStderr
)

// RestoreSplit sets the split state of input partition p, read back as
// Restore's stream time is.
func (in *Ingest) RestoreSplit(p int32, open uint8) {
	if open == 0 {
		delete(in.split, p)
		return
	}
	in.split[p] = open
}

// Split returns the split state of input partition p: the streams in the
// middle of a split line.
func (in *Ingest) Split(p int32) uint8 { return in.split[p] }

// Forget drops the stream time of a partition this instance no longer owns:
// its next owner advances it, so a later reassignment must restore it anew.
func (in *Ingest) Forget(p int32) {
	delete(in.streamTime, p)
	delete(in.split, p)
}

// continues follows the parts of split lines on partition p and reports
// whether part continues a line already counted at its first part.
func (in *Ingest) continues(b *Batch, p int32, part codecs.Part) bool {
	stream := part.Stream()
	if stream == 0 {
		return false
	}
	open, seen := b.Splits[p]
	if !seen {
		open = in.split[p]
	}
	bit := uint8(1) << (stream - 1)
	cont := open&bit != 0
	if part.Partial() {
		open |= bit
	} else {
		open &^= bit
	}
	b.Splits[p] = open
	return cont
}
