package codecs

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/protobuf/encoding/protowire"
)

// otlpNanos is 2026-11-26T11:00:00Z in unix nanoseconds.
const otlpNanos = 1_795_690_800_000_000_000

// TestOTLPProtoNotOTLP: values that are no OTLP request are left to the
// other decoders, text lines that happen to look like the envelope among
// them.
func TestOTLPProtoNotOTLP(t *testing.T) {
	valid := otlpProtoOf(t, threeRecordLogs(t))
	for _, c := range []struct {
		name  string
		value []byte
	}{
		{"empty", nil},
		{"JSON line", []byte(`{"level":"error","msg":"x"}`)},
		{"text line", []byte("2026-11-26 10:00:00 ERROR x")},
		{"text that parses as a request of unknown varints", []byte("\n " + strings.Repeat("x", 32))},
		{"text that parses as a request of an unknown fixed64", []byte("\n\tabcdefghi")},
		{"avro single object", []byte{0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 2, 'x'}},
		{"field 1 as varint", []byte{0x08, 0x96, 0x01}},
		{"length past the end", []byte{0x0a, 0x7f, 0x12, 0x00}},
		{"huge claimed length", []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12}},
		{"bytes after the last field", append(bytes.Clone(valid), 0x12)},
		{"field 1 later as varint", append(bytes.Clone(valid), 0x08, 0x01)},
		{"unmatched end group", append(bytes.Clone(valid), 0x0c)},
		{"truncated", valid[:len(valid)-1]},
	} {
		if strings.HasPrefix(c.name, "text that parses") {
			// The test means something only if the text is protobuf.
			if _, _, n := protowire.ConsumeField(c.value); n != len(c.value) || !isText(c.value) {
				t.Fatalf("%s: %q is not a protobuf field or not text", c.name, c.value)
			}
		}
		fs, ok, err := decodeOTLPProto(c.value, otlpRef())
		if ok || err != nil || fs != nil {
			t.Errorf("%s: %d fields, ok %v, %v; want not OTLP", c.name, len(fs), ok, err)
		}
	}
}

// TestOTLPProtoMalformed: a value that is an OTLP envelope with a bad
// inside is a DecodeError with a reason, not a text line.
func TestOTLPProtoMalformed(t *testing.T) {
	rec := pbFixed64(1, otlpNanos)
	traces := ptrace.NewTraces()
	span := traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("GET /")
	span.SetTraceID([16]byte{1})
	tracesProto, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(traces)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		value  []byte
		reason string
	}{
		{"time as varint", pbRequest(nil, pbVarint(1, 5)), ReasonInvalidOTLP},
		{"severity as bytes", pbRequest(nil, rec, pbBytes(2, []byte("x"))), ReasonInvalidOTLP},
		{"log record past its scope", pbBytes(1, pbBytes(2, []byte{0x12, 0x09, 0x09})), ReasonInvalidOTLP},
		{"body field with a bad varint", pbRequest(nil, rec, pbBytes(5, []byte{0x10, 0xff})), ReasonInvalidOTLP},
		{"body string as varint", pbRequest(nil, rec, pbBytes(5, pbVarint(1, 3))), ReasonInvalidOTLP},
		{"kvlist entry as fixed32", pbRequest(nil, rec, pbBytes(5, pbBytes(6, pbFixed32(1, 7)))), ReasonInvalidOTLP},
		{"resource attribute value as varint", pbRequest(pbBytes(1, pbBytes(1, []byte("service.name")), pbVarint(2, 1)), rec), ReasonInvalidOTLP},
		{"scope_logs as varint", pbBytes(1, pbVarint(2, 1)), ReasonInvalidOTLP},
		{"body string not UTF-8", pbRequest(nil, rec, pbBytes(5, pbBytes(1, []byte{'a', 0xff}))), ReasonInvalidUTF8},
		{"kvlist key not UTF-8", pbRequest(nil, rec, pbBytes(5, pbBytes(6, pbBytes(1, pbBytes(1, []byte{0xc3}))))), ReasonInvalidUTF8},
		// pdata takes a group without its end (its skip returns after the
		// group's first field); protobuf does not.
		{"unterminated group", pbRequest(nil, rec, protowire.AppendVarint(protowire.AppendTag(nil, 8, protowire.StartGroupType), 0x10)), ReasonInvalidOTLP},
		{"no log record", pbBytes(1, pbBytes(2, pbBytes(1, []byte("scope")))), ReasonEmpty},
		{"traces on the logs topic", tracesProto, ReasonInvalidOTLP},
	} {
		fs, ok, err := decodeOTLPProto(c.value, otlpRef())
		if got := reasonOf(t, err); !ok || got != c.reason || fs != nil {
			t.Errorf("%s: %d fields, ok %v, reason %q (%v); want ok, reason %q", c.name, len(fs), ok, got, err, c.reason)
		}
	}
}

// TestOTLPProtoSkips: fields logpulse does not read are skipped whatever
// their wire type, groups included; a resource written after its scope
// logs (as pdata writes) still names the service; scope logs in field 1000,
// as requests before OTLP 0.19 carried them, are read.
func TestOTLPProtoSkips(t *testing.T) {
	unknown := [][]byte{
		pbVarint(40, 1<<63), pbFixed32(41, 7), pbFixed64(42, 9), pbBytes(43, []byte("x")),
		pbGroup(44, pbVarint(1, 1), pbGroup(2, pbBytes(3, nil))),
	}
	record := bytes.Join(append([][]byte{
		pbFixed64(1, otlpNanos), pbVarint(2, 17), pbBytes(5, pbBytes(1, []byte("boom"))),
	}, unknown...), nil)
	resource := pbBytes(1, bytes.Join(append([][]byte{pbStrAttr(1, "service.name", "api")}, unknown...), nil))
	scope := bytes.Join(append([][]byte{pbBytes(1, []byte("scope")), pbBytes(2, record)}, unknown...), nil)
	want := []event{{"2026-11-26T11:00:00Z", "ERROR", "api", "", "boom"}}
	for name, v := range map[string][]byte{
		"resource last": bytes.Join(append([][]byte{pbBytes(1, pbBytes(2, scope), resource)}, unknown...), nil),
		"field 1000":    pbBytes(1, resource, pbBytes(1000, scope)),
		"field 2 before 1000": pbBytes(1, resource, pbBytes(1000, scope),
			pbBytes(2, pbBytes(2, record))),
	} {
		fs, ok, err := decodeOTLPProto(v, otlpRef())
		if !ok || err != nil {
			t.Errorf("%s: ok %v, %v", name, ok, err)
			continue
		}
		if diff := cmp.Diff(want, otlpEvents(t, fs)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", name, diff)
		}
	}
}

// TestOTLPProtoTruncated: every cut of a request is no OTLP, a
// DecodeError, or (cut between two resources) a shorter request.
func TestOTLPProtoTruncated(t *testing.T) {
	ld := threeRecordLogs(t)
	threeRecordLogs(t).ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	valid := otlpProtoOf(t, ld)
	for n := range len(valid) {
		fs, ok, err := decodeOTLPProto(valid[:n], otlpRef())
		reason := reasonOf(t, err)
		switch {
		case !ok && (err != nil || fs != nil):
			t.Errorf("cut at %d: not OTLP, yet %d fields, %v", n, len(fs), err)
		case ok && err == nil && len(fs) != 3:
			t.Errorf("cut at %d: %d fields, want a DecodeError or the first resource's 3", n, len(fs))
		case ok && err != nil && reason != ReasonInvalidOTLP && reason != ReasonEmpty:
			t.Errorf("cut at %d: reason %s", n, reason)
		}
	}
}

// TestOTLPProtoBounded: what a value costs does not follow the lengths it
// claims.
func TestOTLPProtoBounded(t *testing.T) {
	claims := []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x12, 0x00}
	deep := pbBytes(1, []byte("bottom"))
	for range 1000 {
		deep = pbBytes(6, pbBytes(1, pbBytes(1, []byte("d")), pbBytes(2, deep)))
	}
	deepRequest := pbRequest(nil, pbFixed64(1, otlpNanos), pbBytes(5, deep))
	if allocs := testing.AllocsPerRun(10, func() { _, _, _ = decodeOTLPProto(claims, otlpRef()) }); allocs > 0 {
		t.Errorf("a 2 GiB claimed length costs %v allocations", allocs)
	}
	fs, ok, err := decodeOTLPProto(deepRequest, otlpRef())
	if !ok || err != nil || len(fs[0].message) > 200 {
		t.Fatalf("1000 nested kvlists: ok %v, %v, message of %d bytes", ok, err, len(fs[0].message))
	}
}
