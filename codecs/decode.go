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
	if ev, ok, err := decodeAvro(r); ok {
		return ev, err
	}
	f, _, err := decodeFields(r, maxBytes)
	if err != nil {
		return LogEvent{}, err
	}
	return f.event(r)
}

// DecodeAll decodes every event r holds, appended to dst: one for most
// records, one per log record of an OTLP export. When one of them cannot
// be counted (a timestamp out of range), none is, and the error says why:
// the record is the unit that goes to the dead-letter topic.
func DecodeAll(r Record, maxBytes int, dst []LogEvent) ([]LogEvent, error) {
	if maxBytes > 0 && len(r.Value) > maxBytes {
		return dst, reject(ReasonTooLarge, "value is %d bytes, the limit is %d", len(r.Value), maxBytes)
	}
	if ev, ok, err := decodeAvro(r); ok {
		if err != nil {
			return dst, err
		}
		return append(dst, ev), nil
	}
	f, rest, err := decodeFields(r, maxBytes)
	if err != nil {
		return dst, err
	}
	return appendEvents(dst, r, f, rest)
}

func appendEvents(dst []LogEvent, r Record, f fields, rest []fields) ([]LogEvent, error) {
	n := len(dst)
	ev, err := f.event(r)
	if err != nil {
		return dst, err
	}
	dst = append(dst, ev)
	for _, f := range rest {
		ev, err := f.event(r)
		if err != nil {
			return dst[:n], err
		}
		dst = append(dst, ev)
	}
	return dst, nil
}

// decodeFields reads a record that is not Avro: the fields of its first
// event, and for a record that holds more than one (OTLP), the others.
func decodeFields(r Record, maxBytes int) (fields, []fields, error) {
	if maxBytes > 0 && len(r.Value) > maxBytes {
		return fields{}, nil, reject(ReasonTooLarge, "value is %d bytes, the limit is %d", len(r.Value), maxBytes)
	}
	// OTLP protobuf is binary: told before the value is trimmed as text.
	if all, ok, err := decodeOTLPProto(r.Value, r.Timestamp); ok {
		if err != nil {
			return fields{}, nil, err
		}
		return otlpFormat(all, "OTLP protobuf")
	}
	v := bytes.TrimSpace(r.Value)
	// A byte order mark is what some Windows tools put before any text.
	v = bytes.TrimSpace(bytes.TrimPrefix(v, []byte("\uFEFF")))
	if len(v) == 0 {
		return fields{}, nil, reject(ReasonEmpty, "value is empty or blank")
	}
	if !utf8.Valid(v) {
		// A runtime splits a long line by bytes, so a CRI part may start
		// or end inside a character: its text is kept, the cut replaced.
		if CRIPart(v) == PartWhole {
			return fields{}, nil, reject(ReasonInvalidUTF8, "value is not valid UTF-8")
		}
		v = bytes.ToValidUTF8(v, []byte("\uFFFD"))
	}
	fm := formatOf(r.ContentType, v)
	if fm == formatJSON {
		if isOTLPJSON(v) {
			all, err := decodeOTLPJSON(v, r.Timestamp)
			if err != nil {
				return fields{}, nil, err
			}
			return otlpFormat(all, "OTLP/JSON")
		}
		f, err := decodeJSON(v)
		if err == nil {
			unwrapJSON(&f, r.Timestamp)
		}
		return f, nil, err
	}
	if err := checkText(v); err != nil {
		return fields{}, nil, err
	}
	s := string(v)
	if fm != formatLogfmt {
		if f, ok := syslogLine(s, r.Timestamp); ok {
			return f, nil, nil
		}
		if f, ok := criLine(s, r.Timestamp); ok {
			return f, nil, nil
		}
	}
	if fm != formatText {
		f, matched, err := decodeLogfmt(s, fm == formatDetect)
		if err != nil || matched {
			f.why.format = "logfmt"
			return f, nil, err
		}
	}
	f, err := decodeText(s, r.Timestamp)
	f.why.format = "text"
	return f, nil, err
}

// otlpFormat names the format of an OTLP record's events (decodeOTLP*
// return at least one) and splits off the first.
func otlpFormat(all []fields, format string) (fields, []fields, error) {
	for i := range all {
		all[i].why.format = format
	}
	return all[0], all[1:], nil
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
	// part says where a CRI line stands in a line the runtime split.
	part Part
}

// explain names the rules that found the level, time and service of an
// event, for logpulse parse --explain; "" is "not found". On the JSON, logfmt
// and text paths each is a constant, a key or a substring of the record, so
// it costs no allocation; an envelope that decodes its wrapped line prefixes
// the inner rule ("message: ..."), a short string on a slower path.
type explain struct {
	format, level, time, service string
	stamp                        bool // time is the timestamp as read, not a rule
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
		Part:    f.part,
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
