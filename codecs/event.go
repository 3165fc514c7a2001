package codecs

import "time"

// LogEvent is one decoded log line: what the pipeline counts.
type LogEvent struct {
	Time    time.Time
	Level   Level
	Service string
	Host    string
	Message string
}

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
