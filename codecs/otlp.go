package codecs

import (
	"cmp"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// OpenTelemetry logs (OTLP) reach the topic from the Collector's Kafka
// exporter: a record holds one ExportLogsServiceRequest, a batch of log
// records, each of which is one event. The exporter writes it as protobuf
// by default (otlp_proto, see otlp_proto.go) or as OTLP/JSON (otlp_json, see
// otlp_json.go). Both decoders fill an otlpLog per log record; otlpLog.fields
// maps it the same way whatever the encoding.
//
// A request that holds no log record at all is a *DecodeError with
// ReasonEmpty: it is OTLP, so it is no text line, and it has nothing to
// count.

// ReasonInvalidOTLP is the reason of a record that is OTLP logs, by its
// envelope or its first JSON key, but whose inside is not what
// opentelemetry-proto's logs.proto says: a known field of the wrong wire
// type or JSON type, a length that runs past its message, an unreadable
// number. The batch goes to the dead-letter topic whole: it is one record.
const ReasonInvalidOTLP = "invalid_otlp"

// maxAnyDepth bounds how deep a body's kvlists and arrays are rendered:
// deeper values are written as "..." without being read, so neither a
// crafted body nor a runaway nesting costs more than this much stack.
const maxAnyDepth = 16

// otlpLog is one LogRecord as logpulse reads it, whatever the encoding.
type otlpLog struct {
	time, observed int64 // unix ns, 0 when unset
	severityNumber int32
	severityText   string
	// body is the body as text: a string as it is, a number or bool as it
	// would be written in JSON, bytes in base64, and an array or kvlist as
	// compact JSON (see otlp_value.go).
	body string
	// bodyKV says the body was a kvlist, so body is a JSON object: a
	// structured log, read with the JSON rules for its message and level.
	bodyKV        bool
	service, host string // see otlpNames
}

// fields maps l to what Decode counts. The time is time_unix_nano, else
// observed_time_unix_nano (as the OpenTelemetry data model tells consumers
// to do), else the body's own time, else none: the record timestamp fills
// it. The level is the severity number's range (1-4 TRACE, 5-8 DEBUG, 9-12
// INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL), else severity_text read with
// ParseLevel, else the level the body says as a text line (decodeText) or,
// for a kvlist, as a JSON object (decodeJSON). The message is the body, or
// for a kvlist its message key when it has one (msg, message, ...; see
// aliases.go). ref is the record timestamp, which dates text layouts that
// carry no year.
func (l otlpLog) fields(ref time.Time) fields {
	f := fields{service: l.service, host: l.host, message: l.body}
	if l.service != "" {
		f.why.service = "OTLP attributes"
	}
	switch {
	case l.time != 0:
		f.time, f.hasTime, f.why.time = time.Unix(0, l.time).UTC(), true, "OTLP time_unix_nano"
	case l.observed != 0:
		f.time, f.hasTime, f.why.time = time.Unix(0, l.observed).UTC(), true, "OTLP observed_time_unix_nano"
	}
	f.level = severityLevel(l.severityNumber, l.severityText)
	if f.level != LevelUnknown {
		f.why.level = "OTLP severity"
	}
	// Most SDK records say both time and severity: then a text body need
	// not be read at all.
	if l.body == "" || !l.bodyKV && f.hasTime && f.level != LevelUnknown {
		return f
	}
	var (
		bf  fields
		err error
	)
	if l.bodyKV {
		bf, err = decodeJSON([]byte(l.body))
	} else {
		bf, err = decodeText(l.body, ref)
	}
	// The body is read for hints only: what it fails to say, the record
	// still says without it.
	if err != nil {
		return f
	}
	if f.level == LevelUnknown && bf.level != LevelUnknown {
		f.level, f.why.level = bf.level, "body: "+bf.why.levelText()
	}
	if !f.hasTime && bf.hasTime {
		f.time, f.hasTime, f.why.time = bf.time, true, "body: "+bf.why.timeText()
	}
	if l.bodyKV && bf.message != "" {
		f.message = bf.message
	}
	return f
}

// severityLevel maps an OTLP severity: the number when it is one of the 24
// the specification defines, else the text.
func severityLevel(number int32, text string) Level {
	if 1 <= number && number <= 24 {
		ranges := [...]Level{LevelTrace, LevelDebug, LevelInfo, LevelWarn, LevelError, LevelFatal}
		return ranges[(number-1)/4]
	}
	if l, ok := ParseLevel(text); ok {
		return l
	}
	return LevelUnknown
}

// otlpSeverityName reads a SeverityNumber enum name, as OTLP/JSON writers
// before the specification required numbers wrote it: SEVERITY_NUMBER_WARN,
// SEVERITY_NUMBER_ERROR3. A name it does not know is 0, unspecified, which
// leaves the level to severity_text and the body.
func otlpSeverityName(s string) int32 {
	name, ok := strings.CutPrefix(s, "SEVERITY_NUMBER_")
	if !ok {
		return 0
	}
	step := int32(0)
	if n := len(name); n > 0 && '2' <= name[n-1] && name[n-1] <= '4' {
		step, name = int32(name[n-1]-'1'), name[:n-1]
	}
	for i, base := range [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		if name == base {
			return int32(i)*4 + 1 + step
		}
	}
	return 0
}

// otlpTime turns a fixed64 nanosecond time into the int64 of otlpLog. A
// time past 2262 does not fit: it is kept as the largest one, which the
// event's time check rejects as too far in the future.
func otlpTime(ns uint64) int64 {
	if ns > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(ns)
}

// Attribute keys that name the service, best first, and the host. An SDK
// that is not told its service.name sets "unknown_service:<process>": a
// Kubernetes workload or container name says more, so those come first,
// and the SDK default is used only when nothing else names the service.
const (
	serviceNameKey = "service.name"
	hostNameKey    = "host.name"
)

// serviceRank is the rank of an attribute key among those that name the
// service, or -1.
func serviceRank(key string) int {
	switch key {
	case serviceNameKey:
		return 0
	case "k8s.deployment.name":
		return 1
	case "k8s.container.name":
		return 2
	case "container.name":
		return 3
	}
	return -1
}

// otlpNames holds the attributes of one list (a log record's, or its
// resource's) that name the service and the host: the first non-blank
// string of each key. Values of other types name nothing.
type otlpNames struct {
	service [4]string // by serviceRank
	host    string
}

// wants reports whether the value of key is still to be read: the walkers
// decode only the values they need.
func (n *otlpNames) wants(key string) bool {
	if key == hostNameKey {
		return n.host == ""
	}
	r := serviceRank(key)
	return r >= 0 && n.service[r] == ""
}

// set records the string value of key, which wants asked for.
func (n *otlpNames) set(key, value string) {
	if cleanName(value) == "" {
		return
	}
	if key == hostNameKey {
		n.host = value
	} else if r := serviceRank(key); r >= 0 {
		n.service[r] = value
	}
}

// otlpService picks the service of a log record: key by key in serviceRank
// order, the record's attribute before the resource's, service.name not
// counting while it is the SDK default unknown_service*; then that default,
// which at least names the process.
func otlpService(rec, res *otlpNames) string {
	for i := range rec.service {
		for _, s := range [2]string{rec.service[i], res.service[i]} {
			if s != "" && (i > 0 || !strings.HasPrefix(s, "unknown_service")) {
				return s
			}
		}
	}
	return cmp.Or(rec.service[0], res.service[0])
}

// otlpHost picks the host.name of a log record: its own, else its resource's.
func otlpHost(rec, res *otlpNames) string { return cmp.Or(rec.host, res.host) }

// otlpPathError is a fault at a place in a request, such as
// resource_logs[0].scope_logs[1].log_records[2].body.
type otlpPathError struct {
	path string
	err  error
}

func (e *otlpPathError) Error() string { return e.path + ": " + e.err.Error() }
func (e *otlpPathError) Unwrap() error { return e.err }

// otlpIn puts err under elem: a field name, or an index as "[2]".
func otlpIn(elem string, err error) error {
	if pe, ok := err.(*otlpPathError); ok {
		if !strings.HasPrefix(pe.path, "[") {
			elem += "."
		}
		return &otlpPathError{elem + pe.path, pe.err}
	}
	return &otlpPathError{elem, err}
}

// otlpAt puts err under the i-th entry of the repeated field name.
func otlpAt(err error, name string, i int) error {
	return otlpIn(name, otlpIn("["+strconv.Itoa(i)+"]", err))
}

// otlpUTF8Error is a string of the request that is not UTF-8, which
// protobuf requires of a string field.
type otlpUTF8Error struct{ what string }

func (e otlpUTF8Error) Error() string { return e.what + " is not valid UTF-8" }

// otlpReject turns a fault inside an OTLP request into the record's
// DecodeError: ReasonInvalidUTF8 for a string that is not UTF-8, as in any
// other format, else ReasonInvalidOTLP.
func otlpReject(err error) error {
	reason := ReasonInvalidOTLP
	if errors.As(err, new(otlpUTF8Error)) {
		reason = ReasonInvalidUTF8
	}
	return reject(reason, "%s", err)
}
