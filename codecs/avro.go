package codecs

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/linkedin/goavro/v2"
)

// ReasonInvalidAvro is the reason of an Avro record logpulse cannot read: a
// single-object fingerprint that is not logevent.avsc's, a schema id the
// registry does not know, a body that does not match its schema, or
// Confluent framing with no schema registry configured.
const ReasonInvalidAvro = "invalid_avro"

// logEventSchema is logevent.avsc: the schema of single-object encoded
// records, and the one to register for Confluent-framed producers. Embedded
// so that the schema file a producer team reads is the one the decoder uses.
// Never written: a package variable only because go:embed requires one.
//
//go:embed logevent.avsc
var logEventSchema string

// logEventAvro is what reading and writing logevent.avsc needs.
type logEventAvro struct {
	codec *goavro.Codec
	// fingerprint is the schema's CRC-64-AVRO fingerprint as the Avro
	// specification and Java compute it: what AppendAvroSingle writes.
	fingerprint uint64
	// goavroFingerprint is goavro's (and Python avro's), which differs: they
	// keep a primitive that has a logicalType as {"type":"long"} in the
	// canonical form, where the specification writes "long" (goavro issue
	// 174). Records from those writers are read too.
	goavroFingerprint uint64
}

// logEvent returns logEventAvro, built once: building parses the schema,
// too slow per record, and a goavro.Codec is immutable and safe for
// concurrent use. The schema is part of the binary and the tests decode
// with it, so a schema that does not parse is a broken invariant, not an
// error to handle.
var logEvent = sync.OnceValue(func() logEventAvro {
	c, err := goavro.NewCodec(logEventSchema)
	if err != nil {
		panic("codecs: logevent.avsc does not parse: " + err.Error())
	}
	// The canonical form has no logical types left, so goavro's fingerprint
	// of it is the specification's fingerprint of logevent.avsc.
	canon, err := goavro.NewCodec(specCanonical(c.CanonicalSchema()))
	if err != nil {
		panic("codecs: canonical form of logevent.avsc does not parse: " + err.Error())
	}
	return logEventAvro{codec: c, fingerprint: canon.Rabin, goavroFingerprint: c.Rabin}
})

// specCanonical corrects goavro's Parsing Canonical Form to the
// specification's, by its [PRIMITIVES] rule: a primitive is written as
// "long", never {"type":"long"}. The pattern cannot occur otherwise in a
// canonical form, where an object is a record, enum, array, map or fixed
// and names hold no braces.
func specCanonical(form string) string {
	for _, p := range []string{"null", "boolean", "int", "long", "float", "double", "bytes", "string"} {
		form = strings.ReplaceAll(form, `{"type":"`+p+`"}`, `"`+p+`"`)
	}
	return form
}

// LogEventSchema returns the Avro schema of LogEvent (logevent.avsc), for a
// producer to register with a schema registry or to build its own codec.
func LogEventSchema() string { return logEventSchema }

// AppendAvroSingle appends ev to b in Avro single-object encoding: C3 01,
// the schema's CRC-64-AVRO fingerprint (little-endian), then the binary
// body, byte for byte what Java's BinaryMessageEncoder writes. The time is
// kept to the millisecond (timestamp-millis); an empty Service or Host is
// written as null.
func AppendAvroSingle(b []byte, ev LogEvent) ([]byte, error) {
	le := logEvent()
	out := binary.LittleEndian.AppendUint64(append(b, 0xC3, 0x01), le.fingerprint)
	out, err := le.codec.BinaryFromNative(out, avroNative(ev))
	if err != nil {
		return b, fmt.Errorf("encode avro single-object: %w", err)
	}
	return out, nil
}

// AppendAvroConfluent appends ev to b with Confluent framing: a zero byte,
// id (big-endian, 4 bytes), then the binary body, as Confluent's
// KafkaAvroSerializer writes it. id is the one the registry gave
// LogEventSchema.
func AppendAvroConfluent(b []byte, id int, ev LogEvent) ([]byte, error) {
	if id < 0 || id > math.MaxInt32 {
		return b, fmt.Errorf("encode avro confluent: schema id %d out of range", id)
	}
	out := binary.BigEndian.AppendUint32(append(b, 0), uint32(id))
	out, err := logEvent().codec.BinaryFromNative(out, avroNative(ev))
	if err != nil {
		return b, fmt.Errorf("encode avro confluent: %w", err)
	}
	return out, nil
}

// avroNative is ev as goavro takes it for logevent.avsc.
func avroNative(ev LogEvent) map[string]any {
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return goavro.Union("string", s)
	}
	return map[string]any{
		"timestamp": ev.Time,
		"level":     ev.Level.String(),
		"message":   ev.Message,
		"service":   opt(ev.Service),
		"host":      opt(ev.Host),
	}
}

// avroFraming is how an Avro record is framed on the topic.
type avroFraming uint8

const (
	notAvro          avroFraming = iota
	framingSingle                // C3 01, 8-byte fingerprint, body
	framingConfluent             // 00, 4-byte schema id, body
	framingUnknown               // the content type says Avro, the header is neither
)

// Confluent framing puts a magic byte and a 4-byte schema id before the
// body.
const (
	confluentMagic  = 0x00
	confluentHeader = 5 // magic + schema id
)

// avroFramingOf tells an Avro record by its header. No text collides with
// either: C3 01 is not UTF-8, and text never starts with NUL. Still, a
// leading NUL is taken as Confluent framing only when the rest is not text:
// a text line with a stray NUL in front is junk text, not a schema id made
// of letters. A content type forces the format: an Avro one forces Avro,
// one of Decode's others (JSON, text, logfmt) rules Avro out. An empty
// value is left to Decode, whose reason for it is ReasonEmpty.
func avroFramingOf(contentType string, v []byte) avroFraming {
	forced := isAvroContentType(contentType)
	if !forced && contentType != "" && formatOf(contentType, []byte{' '}) != formatDetect {
		return notAvro
	}
	switch {
	case len(v) >= 2 && v[0] == 0xC3 && v[1] == 0x01:
		return framingSingle
	case len(v) >= confluentHeader && v[0] == confluentMagic && (forced || !isText(v[1:])):
		return framingConfluent
	case forced && len(v) > 0:
		return framingUnknown
	}
	return notAvro
}

// isAvroContentType reports whether a content-type header names Avro
// binary, in the spellings producers use.
func isAvroContentType(contentType string) bool {
	if contentType == "" {
		return false
	}
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "avro/binary") ||
		strings.EqualFold(mt, "application/avro") ||
		strings.EqualFold(mt, "application/vnd.apache.avro+binary")
}

// isText reports whether v would pass as a text line. checkText comes
// first: on a real schema id it stops at the first byte, where utf8.Valid
// would read the whole body.
func isText(v []byte) bool { return checkText(v) == nil && utf8.Valid(v) }

// decodeAvro decodes r when it is Avro; ok is false when it is not. Decode
// calls it before it trims the value as text, which would cut bytes off a
// binary body. Without a registry, Confluent framing cannot be read: the
// Decoder reads it when one is configured.
func decodeAvro(r Record) (ev LogEvent, ok bool, err error) {
	switch avroFramingOf(r.ContentType, r.Value) {
	case notAvro:
		return LogEvent{}, false, nil
	case framingSingle:
		ev, err = decodeAvroSingle(r)
	case framingConfluent:
		err = reject(ReasonInvalidAvro, "confluent-framed avro needs --schema-registry")
	default:
		if r.Value[0] == confluentMagic {
			err = reject(ReasonInvalidAvro, "value of %d bytes is too short for Confluent framing (00 and a 4-byte schema id)", len(r.Value))
			break
		}
		err = reject(ReasonInvalidAvro, "content type %q is avro, but the value starts with 0x%02x: neither single-object (c3 01) nor Confluent (00) framing",
			r.ContentType, r.Value[0])
	}
	return ev, true, err
}

// decodeAvroSingle reads a single-object encoded LogEvent.
func decodeAvroSingle(r Record) (LogEvent, error) {
	le := logEvent()
	fp, body, err := goavro.FingerprintFromSOE(r.Value)
	if err != nil {
		return LogEvent{}, reject(ReasonInvalidAvro, "single-object header: %s", err)
	}
	if fp != le.fingerprint && fp != le.goavroFingerprint {
		return LogEvent{}, reject(ReasonInvalidAvro, "single-object schema fingerprint %#016x is not io.logpulse.LogEvent's (%#016x)", fp, le.fingerprint)
	}
	return decodeAvroBody(r, le.codec, body, -1)
}

// decodeAvroBody decodes the binary body of r with the writer schema's
// codec c. id is the schema id for error messages, -1 for logevent.avsc.
func decodeAvroBody(r Record, c *goavro.Codec, body []byte, id int) (LogEvent, error) {
	what := func() string {
		if id < 0 {
			return "io.logpulse.LogEvent"
		}
		return "schema id " + strconv.Itoa(id)
	}
	native, rest, err := c.NativeFromBinary(body)
	if err != nil {
		return LogEvent{}, reject(ReasonInvalidAvro, "%s: %s", what(), truncate(err.Error(), 200))
	}
	// Bytes after the record mean the body is not what the schema says: a
	// wrong id, or junk behind a header that happened to match.
	if len(rest) > 0 {
		return LogEvent{}, reject(ReasonInvalidAvro, "%s: %d bytes left after the record", what(), len(rest))
	}
	m, ok := native.(map[string]any)
	if !ok {
		return LogEvent{}, reject(ReasonInvalidAvro, "%s: the schema is %T, want a record", what(), native)
	}
	f, err := avroFields(m)
	if err != nil {
		return LogEvent{}, err
	}
	return f.event(r)
}
