package codecs

import (
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"
)

// The OTLP tests build their payloads with the Collector's own pdata, and
// marshal them with plog.ProtoMarshaler and plog.JSONMarshaler: what the
// Kafka exporter writes with encoding otlp_proto and otlp_json.

// otlpRef is the record timestamp of the OTLP tests.
func otlpRef() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

// newOTLPLogs returns a request of one resource with attributes resAttrs
// (string values) and one scope, and the scope's empty list of records.
func newOTLPLogs(resAttrs ...string) (plog.Logs, plog.LogRecordSlice) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	for i := 0; i+1 < len(resAttrs); i += 2 {
		rl.Resource().Attributes().PutStr(resAttrs[i], resAttrs[i+1])
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("io.opentelemetry.test")
	sl.Scope().SetVersion("1.0.0")
	return ld, sl.LogRecords()
}

// otlpTS is a pdata timestamp from RFC 3339.
func otlpTS(tb testing.TB, s string) pcommon.Timestamp {
	tb.Helper()
	return pcommon.NewTimestampFromTime(rfc3339(tb, s))
}

// threeRecordLogs is a batch as an SDK sends it: three records, with trace
// context, scope and attributes logpulse does not read.
func threeRecordLogs(tb testing.TB) plog.Logs {
	tb.Helper()
	ld, recs := newOTLPLogs("service.name", "checkout", "host.name", "web-7", "telemetry.sdk.language", "go")
	for i, r := range []struct {
		ts   string
		sev  plog.SeverityNumber
		text string
		body string
	}{
		{"2026-11-26T11:59:58.1Z", plog.SeverityNumberInfo, "INFO", "order placed"},
		{"2026-11-26T11:59:59.2Z", plog.SeverityNumberWarn2, "WARN", "payment slow"},
		{"2026-11-26T11:59:59.3Z", plog.SeverityNumberError, "ERROR", "payment declined: card expired"},
	} {
		lr := recs.AppendEmpty()
		lr.SetTimestamp(otlpTS(tb, r.ts))
		lr.SetObservedTimestamp(otlpTS(tb, "2026-11-26T12:00:00Z"))
		lr.SetSeverityNumber(r.sev)
		lr.SetSeverityText(r.text)
		lr.Body().SetStr(r.body)
		lr.Attributes().PutInt("order.id", int64(48213+i))
		lr.Attributes().PutStr("code.function", "main.pay")
		lr.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(i)})
		lr.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		lr.SetFlags(plog.DefaultLogRecordFlags.WithIsSampled(true))
	}
	return ld
}

// otlpProtoOf marshals ld as the exporter's otlp_proto encoding does.
func otlpProtoOf(tb testing.TB, ld plog.Logs) []byte {
	tb.Helper()
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		tb.Fatalf("marshal OTLP proto: %v", err)
	}
	return b
}

// otlpJSONOf marshals ld as the exporter's otlp_json encoding does.
func otlpJSONOf(tb testing.TB, ld plog.Logs) []byte {
	tb.Helper()
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	if err != nil {
		tb.Fatalf("marshal OTLP JSON: %v", err)
	}
	return b
}

// otlpEncodings decodes ld from both encodings, by name.
func otlpEncodings(tb testing.TB, ld plog.Logs) map[string][]fields {
	tb.Helper()
	fs, ok, err := decodeOTLPProto(otlpProtoOf(tb, ld), otlpRef())
	if !ok || err != nil {
		tb.Fatalf("decodeOTLPProto: ok %v, %v", ok, err)
	}
	js := otlpJSONOf(tb, ld)
	if !isOTLPJSON(js) {
		tb.Fatalf("isOTLPJSON(%s) = false", js)
	}
	fj, err := decodeOTLPJSON(js, otlpRef())
	if err != nil {
		tb.Fatalf("decodeOTLPJSON(%s): %v", js, err)
	}
	return map[string][]fields{"proto": fs, "json": fj}
}

// otlpEvents completes fs as Decode does for a record stamped otlpRef with
// no key.
func otlpEvents(tb testing.TB, fs []fields) []event {
	tb.Helper()
	var out []event
	for _, f := range fs {
		ev, err := f.event(Record{Timestamp: otlpRef()})
		if err != nil {
			tb.Fatalf("event: %v", err)
		}
		out = append(out, eventOf(ev))
	}
	return out
}

// otlpFields is what a decoder's fields say, comparable with cmp.
type otlpFields struct {
	Time                   string // RFC 3339, "" when unset
	Level                  Level
	Service, Host, Message string
}

func otlpView(fs []fields) []otlpFields {
	out := make([]otlpFields, len(fs))
	for i, f := range fs {
		out[i] = otlpFields{Level: f.level, Service: f.service, Host: f.host, Message: f.message}
		if f.hasTime {
			out[i].Time = f.time.Format(time.RFC3339Nano)
		}
	}
	return out
}

// reasonOf returns the reason of a *DecodeError, "" for nil, and fails the
// test for any other error.
func reasonOf(tb testing.TB, err error) string {
	tb.Helper()
	if err == nil {
		return ""
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		tb.Fatalf("error %v (%T) is not a *DecodeError", err, err)
	}
	return de.Reason
}

// pb builds protobuf by hand, for what pdata will not write: malformed
// messages, unknown fields, old field numbers.
func pbBytes(num protowire.Number, parts ...[]byte) []byte {
	var inner []byte
	for _, p := range parts {
		inner = append(inner, p...)
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), inner)
}

func pbVarint(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func pbFixed64(num protowire.Number, v uint64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, num, protowire.Fixed64Type), v)
}

func pbFixed32(num protowire.Number, v uint32) []byte {
	return protowire.AppendFixed32(protowire.AppendTag(nil, num, protowire.Fixed32Type), v)
}

func pbGroup(num protowire.Number, parts ...[]byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.StartGroupType)
	for _, p := range parts {
		b = append(b, p...)
	}
	return protowire.AppendTag(b, num, protowire.EndGroupType)
}

// pbRequest wraps log records, each the bytes of a LogRecord, in a request
// of one resource (resource, the bytes of a Resource, or nil) and one scope.
func pbRequest(resource []byte, records ...[]byte) []byte {
	var scope [][]byte
	for _, r := range records {
		scope = append(scope, pbBytes(2, r))
	}
	var rl [][]byte
	if resource != nil {
		rl = append(rl, pbBytes(1, resource))
	}
	rl = append(rl, pbBytes(2, scope...))
	return pbBytes(1, rl...)
}

// pbStrAttr is a KeyValue with a string value.
func pbStrAttr(num protowire.Number, key, value string) []byte {
	return pbBytes(num, pbBytes(1, []byte(key)), pbBytes(2, pbBytes(1, []byte(value))))
}
