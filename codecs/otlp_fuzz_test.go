package codecs

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/plog"
	collogs "go.opentelemetry.io/proto/slim/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

// The OTLP fuzz targets check, whatever the bytes: no panic; a value is
// OTLP or not without an error in between; a failure is a *DecodeError with
// a reason of the OTLP decoders; a text line is never taken for protobuf;
// the result does not depend on anything but the value; and, against the
// Collector's own pdata, that a request pdata reads with log records in it
// is read too, with as many events.

// otlpFuzzSeeds are pdata payloads: the SDK-like batch, every kind of
// body, and an empty request.
func otlpFuzzSeeds(tb testing.TB) []plog.Logs {
	tb.Helper()
	bodies, recs := newOTLPLogs("service.name", "unknown_service:x", "k8s.deployment.name", "d")
	for _, b := range []any{int64(1), 2.5, true, []byte{1}, []any{"a", nil}, map[string]any{"msg": "m", "l": []any{map[string]any{}}}} {
		lr := recs.AppendEmpty()
		lr.SetSeverityText("warn")
		lr.Attributes().PutStr("host.name", "h")
		if err := lr.Body().FromRaw(b); err != nil {
			tb.Fatal(err)
		}
	}
	empty, _ := newOTLPLogs()
	return []plog.Logs{threeRecordLogs(tb), bodies, empty}
}

func FuzzOTLPProto(f *testing.F) {
	for _, ld := range otlpFuzzSeeds(f) {
		f.Add(otlpProtoOf(f, ld))
	}
	f.Add(pbRequest(pbStrAttr(1, "service.name", "api"), pbFixed64(1, otlpNanos), pbGroup(9, pbVarint(1, 1))))
	f.Fuzz(func(t *testing.T, v []byte) {
		fs, ok, err := decodeOTLPProto(v, otlpRef())
		checkOTLPResult(t, fs, err, ReasonInvalidOTLP, ReasonInvalidUTF8, ReasonEmpty)
		if !ok && (err != nil || fs != nil) {
			t.Fatalf("not OTLP, yet %d fields and %v", len(fs), err)
		}
		if ok && isText(v) {
			t.Fatalf("text %q taken for OTLP", v)
		}
		again, _, _ := decodeOTLPProto(v, otlpRef())
		if diff := cmp.Diff(otlpView(fs), otlpView(again)); diff != "" {
			t.Fatalf("two decodes differ:\n%s", diff)
		}
		// The oracle is pdata, which rejects a known field of the wrong wire
		// type as this decoder does, but skips a group by its first field
		// and so takes one without its end; protobuf-go's generated code,
		// which checks the wire format and UTF-8, rules those out.
		ld, perr := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(v)
		if perr != nil || ld.LogRecordCount() == 0 || v[0] != 0x0a ||
			proto.Unmarshal(v, &collogs.ExportLogsServiceRequest{}) != nil {
			return
		}
		if !ok || err != nil || len(fs) != ld.LogRecordCount() {
			t.Fatalf("pdata reads %d log records; decodeOTLPProto: ok %v, %d fields, %v", ld.LogRecordCount(), ok, len(fs), err)
		}
		// The same logs as the exporter's otlp_json writes them read the same.
		js := otlpJSONOf(t, ld)
		fj, err := decodeOTLPJSON(js, otlpRef())
		if err != nil {
			t.Fatalf("decodeOTLPJSON(%s): %v", js, err)
		}
		if diff := cmp.Diff(otlpView(fs), otlpView(fj)); diff != "" {
			t.Fatalf("protobuf (-) and its JSON %s (+) differ:\n%s", js, diff)
		}
	})
}

func FuzzOTLPJSON(f *testing.F) {
	for _, ld := range otlpFuzzSeeds(f) {
		f.Add(string(otlpJSONOf(f, ld)))
	}
	f.Add(`{"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":1795690800000000000,"severity_number":"SEVERITY_NUMBER_WARN","body":{"double_value":"NaN"}}]}]}]}`)
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) { // Decode rejects it before
			return
		}
		fs, err := decodeOTLPJSON([]byte(v), otlpRef())
		checkOTLPResult(t, fs, err, ReasonInvalidJSON, ReasonInvalidOTLP, ReasonEmpty)
		if trimmed := bytes.TrimSpace([]byte(v)); json.Valid(trimmed) {
			dec := json.NewDecoder(bytes.NewReader(trimmed))
			dec.UseNumber()
			// reflect, not cmp: cmp's edit scripts of nested lists are slow.
			if std, split := stdJSONTree(t, dec), splitJSONTree(t, trimmed); !reflect.DeepEqual(std, split) {
				t.Fatalf("the splitter reads %s as\n%v\nencoding/json as\n%v", trimmed, split, std)
			}
		}
		again, _ := decodeOTLPJSON([]byte(v), otlpRef())
		if diff := cmp.Diff(otlpView(fs), otlpView(again)); diff != "" {
			t.Fatalf("two decodes differ:\n%s", diff)
		}
		// pdata's JSON reader (jsoniter) takes broken JSON as well: it is
		// an oracle for valid JSON only.
		ld, perr := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(v))
		if perr != nil || ld.LogRecordCount() == 0 || !isOTLPJSON([]byte(v)) || !json.Valid([]byte(v)) {
			return
		}
		if err != nil {
			t.Fatalf("pdata reads %d log records; decodeOTLPJSON: %v", ld.LogRecordCount(), err)
		}
	})
}

// splitJSONTree reads the valid JSON value raw with the splitter of
// decodeOTLPJSON: objects as their key-value pairs in order, without the
// null ones, arrays as lists, scalars as encoding/json reads them.
func splitJSONTree(t *testing.T, raw []byte) any {
	t.Helper()
	var err error
	switch raw[0] {
	case '{':
		out := [][2]any{}
		err = eachJSONField(raw, func(key string, v json.RawMessage) error {
			out = append(out, [2]any{key, splitJSONTree(t, v)})
			return nil
		})
		if err == nil {
			return out
		}
	case '[':
		out := []any{}
		err = eachJSONElement(raw, func(v json.RawMessage) error {
			out = append(out, splitJSONTree(t, v))
			return nil
		})
		if err == nil {
			return out
		}
	default:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var x any
		if err = dec.Decode(&x); err == nil && !dec.More() {
			return x
		}
	}
	t.Fatalf("splitter on %s: %v", raw, err)
	return nil
}

// stdJSONTree is splitJSONTree by encoding/json's tokens.
func stdJSONTree(t *testing.T, dec *json.Decoder) any {
	t.Helper()
	tok, err := dec.Token()
	if err != nil {
		t.Fatal(err)
	}
	switch tok {
	case json.Delim('{'):
		out := [][2]any{}
		for dec.More() {
			key, _ := dec.Token()
			if v := stdJSONTree(t, dec); v != nil {
				out = append(out, [2]any{key, v})
			}
		}
		_, _ = dec.Token()
		return out
	case json.Delim('['):
		out := []any{}
		for dec.More() {
			out = append(out, stdJSONTree(t, dec))
		}
		_, _ = dec.Token()
		return out
	}
	return tok
}

// checkOTLPResult checks what any OTLP decode returns: a *DecodeError of
// one of reasons, or fields that make events.
func checkOTLPResult(t *testing.T, fs []fields, err error, reasons ...string) {
	t.Helper()
	if err != nil {
		if r := reasonOf(t, err); !slices.Contains(reasons, r) {
			t.Fatalf("reason %q (%v), want one of %q", r, err, reasons)
		}
		if fs != nil {
			t.Fatalf("%d fields with error %v", len(fs), err)
		}
		return
	}
	for _, f := range fs {
		if !utf8.ValidString(f.message) {
			t.Fatalf("message %q is not UTF-8", f.message)
		}
		if _, err := f.event(Record{Timestamp: otlpRef()}); err != nil && reasonOf(t, err) != ReasonBadTimestamp {
			t.Fatalf("event: %v", err)
		}
	}
}
