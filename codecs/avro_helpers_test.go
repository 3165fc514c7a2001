package codecs

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
)

// memRegistry is a SchemaRegistry over a map, counting its lookups. err,
// when set, is what every lookup returns: a registry that cannot be asked.
type memRegistry struct {
	schemas map[int]string
	err     error
	calls   atomic.Int64
}

func (m *memRegistry) Schema(_ context.Context, id int) (string, error) {
	m.calls.Add(1)
	if m.err != nil {
		return "", m.err
	}
	s, ok := m.schemas[id]
	if !ok {
		return "", &SchemaError{ID: id, Err: errors.New("not found")}
	}
	return s, nil
}

// appLogSchema is a writer schema a producer team might register instead of
// logevent.avsc: other field names (JSON aliases), an enum level, a plain
// long time, an extra field, and another field order.
const appLogSchema = `{
  "type": "record", "name": "AppLog", "namespace": "com.example",
  "fields": [
    {"name": "msg", "type": "string"},
    {"name": "severity", "type": {"type": "enum", "name": "Severity", "symbols": ["DEBUG", "INFO", "WARNING", "ERROR"]}},
    {"name": "ts", "type": "long"},
    {"name": "app", "type": ["null", "string"], "default": null},
    {"name": "hostname", "type": "string"},
    {"name": "trace_id", "type": "string", "default": ""}
  ]
}`

// ecsSchema nests fields as Elastic Common Schema does, with a
// timestamp-micros time in a union and a numeric (pino) level.
const ecsSchema = `{
  "type": "record", "name": "Ecs",
  "fields": [
    {"name": "time", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}], "default": null},
    {"name": "log", "type": {"type": "record", "name": "Log", "fields": [{"name": "level", "type": "int"}]}},
    {"name": "service", "type": ["null", {"type": "record", "name": "Service", "fields": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}]}]},
    {"name": "message", "type": ["null", "string"]}
  ]
}`

// v2Schema is logevent.avsc evolved: fields reordered, the time in
// microseconds, and a new field. The fuzz round trip writes with it.
const v2Schema = `{
  "type": "record", "name": "LogEvent", "namespace": "io.logpulse",
  "fields": [
    {"name": "host", "type": ["null", "string"], "default": null},
    {"name": "message", "type": "string"},
    {"name": "trace_id", "type": ["null", "string"], "default": null},
    {"name": "level", "type": "string"},
    {"name": "service", "type": ["null", "string"], "default": null},
    {"name": "timestamp", "type": {"type": "long", "logicalType": "timestamp-micros"}}
  ]
}`

// taggedSchema has arrays and maps, which goavro decodes only behind the
// avroGuard, and every other kind of type, named types in two namespaces
// and a recursive record.
const taggedSchema = `{
  "type": "record", "name": "Tagged", "namespace": "com.example",
  "fields": [
    {"name": "message", "type": "string"},
    {"name": "level", "type": {"type": "enum", "name": "Lvl", "symbols": ["INFO", "WARN", "ERROR"]}},
    {"name": "tags", "type": {"type": "map", "values": "string"}},
    {"name": "spans", "type": {"type": "array", "items": {"type": "record", "name": "Span", "fields": [
      {"name": "id", "type": {"type": "fixed", "name": "Id", "size": 4}},
      {"name": "ms", "type": "double"}, {"name": "ok", "type": "boolean"}, {"name": "w", "type": "float"}
    ]}}},
    {"name": "next", "type": ["null", "com.example.Span"]},
    {"name": "cause", "type": ["null", {"type": "record", "name": "Cause", "namespace": "other", "fields": [
      {"name": "inner", "type": ["null", "Cause"]}, {"name": "lvl", "type": "com.example.Lvl"}
    ]}]},
    {"name": "raw", "type": "bytes"},
    {"name": "n", "type": "int"},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}}
  ]
}`

// Schema ids of the test registry.
const (
	idLogEvent = 1
	idAppLog   = 2
	idECS      = 3
	idV2       = 4
	idString   = 5 // a schema that is not a record
	idBroken   = 6 // a registered text goavro does not read
	idTagged   = 8
)

func testRegistry() *memRegistry {
	return &memRegistry{schemas: map[int]string{
		idLogEvent: LogEventSchema(),
		idAppLog:   appLogSchema,
		idECS:      ecsSchema,
		idV2:       v2Schema,
		idString:   `"string"`,
		idBroken:   `{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}`,
		idTagged:   taggedSchema,
	}}
}

// mustCodec builds a codec of a schema written in a test.
func mustCodec(tb testing.TB, schema string) *goavro.Codec {
	tb.Helper()
	c, err := goavro.NewCodec(schema)
	if err != nil {
		tb.Fatalf("test schema: %v", err)
	}
	return c
}

// confluent frames a native datum with Confluent's header for schema id.
func confluent(tb testing.TB, c *goavro.Codec, id uint32, native any) []byte {
	tb.Helper()
	b := []byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	b, err := c.BinaryFromNative(b, native)
	if err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return b
}

// single encodes a native datum of logevent.avsc in single-object
// encoding, with the specification's fingerprint.
func single(tb testing.TB, native any) []byte {
	tb.Helper()
	le := logEvent()
	b := binary.LittleEndian.AppendUint64([]byte{0xC3, 0x01}, le.fingerprint)
	b, err := le.codec.BinaryFromNative(b, native)
	if err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return b
}

// logEventNative is a datum of logevent.avsc with the level as written;
// service and host "" are null.
func logEventNative(ts time.Time, level, message, service, host string) map[string]any {
	n := avroNative(LogEvent{Time: ts, Message: message, Service: service, Host: host})
	n["level"] = level
	return n
}

// checkReason checks that err is a *DecodeError with the reason and a
// message containing msg.
func checkReason(tb testing.TB, err error, reason, msg string) {
	tb.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		tb.Fatalf("error %v (%T), want a *DecodeError %s", err, err, reason)
	}
	if de.Reason != reason || !strings.Contains(de.Msg, msg) {
		tb.Fatalf("error %q, want reason %s and a message with %q", err, reason, msg)
	}
}
