package codecs

import "time"

// LogEvent is one decoded log line: what the pipeline counts.
type LogEvent struct {
	Time    time.Time
	Level   Level
	Service string
	Host    string
	Message string
	// Part is where the event stands in a line a container runtime split
	// into several records (CRI's P and F tags); PartWhole for any other.
	Part Part
}

// Part is where a record stands in a line that a container runtime wrote
// as several (CRI: "P" for each part but the last, "F" for the last or a
// whole line). Ingest counts a split line once, at its first part, which
// holds the line's header; it follows the parts of each stream of an input
// partition in order.
type Part uint8

// The parts of a split line.
const (
	PartWhole         Part = iota // not split, or not CRI
	PartStdoutPartial             // a CRI "P" line on stdout
	PartStdoutFinal               // a CRI "F" line on stdout
	PartStderrPartial             // a CRI "P" line on stderr
	PartStderrFinal               // a CRI "F" line on stderr
)

// Partial reports whether more parts of the line follow (CRI "P").
func (p Part) Partial() bool { return p == PartStdoutPartial || p == PartStderrPartial }

// Stream is 1 for stdout and 2 for stderr, 0 for PartWhole.
func (p Part) Stream() int { return (int(p) + 1) / 2 }

// Record is what the decoder sees of a Kafka record on the input topic.
type Record struct {
	Key   []byte
	Value []byte
	// Timestamp is the Kafka record timestamp: the event time of a line
	// that carries none, and the reference for "too far in the future".
	Timestamp time.Time
	// ContentType is the record's content-type header, if any; it forces a
	// format instead of detecting one.
	ContentType string
}

// Reason codes a DecodeError carries; they become the logpulse.error header
// of the dead-letter record and the reason label of logpulse_dlq_total.
const (
	ReasonEmpty        = "empty"
	ReasonTooLarge     = "too_large"
	ReasonInvalidJSON  = "invalid_json"
	ReasonInvalidUTF8  = "invalid_utf8"
	ReasonUndecodable  = "undecodable"
	ReasonBadTimestamp = "bad_timestamp"
)

// DecodeError says why a record cannot be counted. Bad input is data, not a
// failure: the caller routes the record to the dead-letter topic.
type DecodeError struct {
	Reason string // one of the Reason constants
	Msg    string // human-readable detail
}

func (e *DecodeError) Error() string { return e.Reason + ": " + e.Msg }
