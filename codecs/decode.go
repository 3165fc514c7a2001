package codecs

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Decode reads one record of the input topic as a LogEvent. The format is
// told per record, since any client may write to the topic: a JSON object
// when the value starts with '{', logfmt when it is key=value pairs with a
// level or message key, else a text line. A content-type header of
// application/json, text/plain, or text/logfmt (application/logfmt) forces
// the format instead. Avro single-object encoding (logevent.avsc) is told by
// its header or an Avro content type; Confluent-framed Avro needs a schema
// registry, which Decoder has (see decoder.go).
//
// A record that cannot be counted gives a *DecodeError: the caller sends it
// to the dead-letter topic with the reason. maxBytes > 0 caps the value
// size. A value that is not UTF-8, or text with NUL or other binary control
// bytes, is ReasonInvalidUTF8, JSON included: RFC 8259 requires UTF-8, and
// encoding/json would otherwise turn the bad bytes into U+FFFD unseen.
//
// The event's Time is in UTC. It is the payload's own time where one can be
// read, else the record timestamp; it must be after 1970 and at most 24h
// ahead of the record timestamp. Service is never empty: the payload's, else
// the record key, else "unknown". A level that cannot be read is
// LevelUnknown, not an error.
func Decode(r Record, maxBytes int) (LogEvent, error) {
	if maxBytes > 0 && len(r.Value) > maxBytes {
		return LogEvent{}, reject(ReasonTooLarge, "value is %d bytes, the limit is %d", len(r.Value), maxBytes)
	}
	// Avro is binary: it is told by its header before the value is trimmed
	// as text, which would cut bytes off its body.
	if ev, ok, err := decodeAvro(r); ok {
		return ev, err
	}
	v := bytes.TrimSpace(r.Value)
	// A byte order mark is what some Windows tools put before any text.
	v = bytes.TrimSpace(bytes.TrimPrefix(v, []byte("\uFEFF")))
	if len(v) == 0 {
		return LogEvent{}, reject(ReasonEmpty, "value is empty or blank")
	}
	if !utf8.Valid(v) {
		return LogEvent{}, reject(ReasonInvalidUTF8, "value is not valid UTF-8")
	}

	var (
		f   fields
		err error
	)
	if fm := formatOf(r.ContentType, v); fm == formatJSON {
		f, err = decodeJSON(v)
	} else if err = checkText(v); err == nil {
		s := string(v)
		matched := false
		if fm != formatText {
			f, matched, err = decodeLogfmt(s, fm == formatDetect)
		}
		if err == nil && !matched {
			f, err = decodeText(s, r.Timestamp)
		}
	}
	if err != nil {
		return LogEvent{}, err
	}
	return f.event(r)
}

// fields is what a format decoder reads from a payload, before the record
// fills the gaps.
type fields struct {
	time    time.Time
	hasTime bool
	level   Level
	service string
	host    string
	message string
	why     explain
}

// explain names the rules that found the level, time and service of an
// event, for logpulse parse --explain. Each is a constant or a short
// string built only when a rule matched; "" is "not found".
type explain struct {
	level, time, service string
}

// event completes f with what the record says and checks the result.
func (f fields) event(r Record) (LogEvent, error) {
	t := f.time
	if !f.hasTime {
		if r.Timestamp.IsZero() {
			return LogEvent{}, reject(ReasonBadTimestamp, "no timestamp in the payload and none on the record")
		}
		t = r.Timestamp
	}
	if err := checkTime(t, r.Timestamp); err != nil {
		return LogEvent{}, err
	}
	return LogEvent{
		Time:    t.UTC(),
		Level:   f.level,
		Service: serviceName(f.service, r.Key),
		Host:    cleanName(f.host),
		// A trailing line break is how the line was written, not part of
		// what it says (Docker's {"log": "...\n"}).
		Message: strings.TrimRight(f.message, "\r\n"),
	}, nil
}

type format uint8

const (
	formatDetect format = iota // logfmt if it parses as such, else text
	formatText
	formatJSON
	formatLogfmt
)

// formatOf picks the decoder for a record: the content type when it names
// one, else JSON when v (trimmed, non-empty) starts like an object. Telling
// logfmt from text takes parsing, so that is left to decodeLogfmt.
func formatOf(contentType string, v []byte) format {
	// Parameters such as "; charset=utf-8" say nothing about the format.
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	switch {
	case strings.EqualFold(mt, "application/json"), hasSuffixFold(mt, "+json"):
		return formatJSON
	case strings.EqualFold(mt, "text/plain"):
		return formatText
	case strings.EqualFold(mt, "text/logfmt"), strings.EqualFold(mt, "application/logfmt"):
		return formatLogfmt
	}
	if v[0] == '{' {
		return formatJSON
	}
	return formatDetect
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// checkText rejects binary junk sent as a text line: NUL and the other C0
// control bytes that no log line carries. Tab, line breaks, form feed and
// ESC (terminal colours) are text.
func checkText(v []byte) error {
	for i, c := range v {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r' && c != 0x1b) || c == 0x7f {
			return reject(ReasonInvalidUTF8, "binary data: control byte 0x%02x at offset %d", c, i)
		}
	}
	return nil
}

// reject builds the *DecodeError for a record the pipeline cannot count.
func reject(reason, format string, args ...any) error {
	return &DecodeError{Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// truncate cuts s for an error message, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
