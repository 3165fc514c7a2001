package codecs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeAvroSingle(t *testing.T) {
	ref := rfc3339(t, "2026-11-26T12:00:00Z")
	ts := rfc3339(t, "2026-11-26T10:00:00.123456Z")
	for _, tc := range []struct {
		name        string
		native      map[string]any
		key         string
		contentType string
		want        event
	}{
		{name: "all fields", native: logEventNative(ts, "ERROR", "disk full", "api", "web-7"),
			want: event{"2026-11-26T10:00:00.123Z", "ERROR", "api", "web-7", "disk full"}},
		{name: "synonym level", native: logEventNative(ts, "warning", "m", "api", ""),
			want: event{"2026-11-26T10:00:00.123Z", "WARN", "api", "", "m"}},
		{name: "unknown level", native: logEventNative(ts, "loud", "m", "api", ""),
			want: event{"2026-11-26T10:00:00.123Z", "UNKNOWN", "api", "", "m"}},
		{name: "numeric level string", native: logEventNative(ts, "50", "m", "api", ""),
			want: event{"2026-11-26T10:00:00.123Z", "ERROR", "api", "", "m"}},
		{name: "service from key", native: logEventNative(ts, "info", "m", "", ""), key: "checkout",
			want: event{"2026-11-26T10:00:00.123Z", "INFO", "checkout", "", "m"}},
		{name: "no service anywhere", native: logEventNative(ts, "info", "m", "", ""),
			want: event{"2026-11-26T10:00:00.123Z", "INFO", "unknown", "", "m"}},
		{name: "blank service", native: logEventNative(ts, "info", "m", "  ", ""), key: "k",
			want: event{"2026-11-26T10:00:00.123Z", "INFO", "k", "", "m"}},
		{name: "service sanitised", native: logEventNative(ts, "info", "m", " a|b\x01c ", "h\nx"),
			want: event{"2026-11-26T10:00:00.123Z", "INFO", "a_b_c", "h_x", "m"}},
		{name: "trailing line break", native: logEventNative(ts, "info", "m\r\n", "api", ""),
			want: event{"2026-11-26T10:00:00.123Z", "INFO", "api", "", "m"}},
		{name: "forced by content type", native: logEventNative(ts, "debug", "m", "api", ""), contentType: "Application/Avro; charset=binary",
			want: event{"2026-11-26T10:00:00.123Z", "DEBUG", "api", "", "m"}},
		{name: "epoch", native: logEventNative(time.Unix(0, 0), "info", "", "api", ""),
			want: event{"1970-01-01T00:00:00Z", "INFO", "api", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Record{Key: []byte(tc.key), Value: single(t, tc.native), Timestamp: ref, ContentType: tc.contentType}
			for _, dec := range []struct {
				name string
				fn   func(Record) (LogEvent, error)
			}{
				{"Decode", func(r Record) (LogEvent, error) { return Decode(r, 1<<20) }},
				{"Decoder", NewDecoder(1<<20, testRegistry()).Decode},
			} {
				ev, err := dec.fn(r)
				if err != nil {
					t.Fatalf("%s: %v", dec.name, err)
				}
				if diff := cmp.Diff(tc.want, eventOf(ev)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", dec.name, diff)
				}
			}
		})
	}
}

func TestDecodeAvroConfluent(t *testing.T) {
	ref := rfc3339(t, "2026-11-26T12:00:00Z")
	ts := rfc3339(t, "2026-11-26T10:00:00.123Z")
	appLog := mustCodec(t, appLogSchema)
	ecs := mustCodec(t, ecsSchema)
	v2 := mustCodec(t, v2Schema)
	for _, tc := range []struct {
		name  string
		value []byte
		key   string
		want  event
	}{
		{name: "logevent.avsc", value: confluent(t, logEvent().codec, idLogEvent, logEventNative(ts, "WARN", "slow", "api", "h1")),
			want: event{"2026-11-26T10:00:00.123Z", "WARN", "api", "h1", "slow"}},
		{name: "aliases, enum level, long millis", value: confluent(t, appLog, idAppLog, map[string]any{
			"msg": "card declined", "severity": "WARNING", "ts": ts.UnixMilli(),
			"app": map[string]any{"string": "checkout"}, "hostname": "web-2", "trace_id": "abc",
		}), want: event{"2026-11-26T10:00:00.123Z", "WARN", "checkout", "web-2", "card declined"}},
		{name: "null app: service from key", value: confluent(t, appLog, idAppLog, map[string]any{
			"msg": "m", "severity": "ERROR", "ts": ts.Unix(), "app": nil, "hostname": "",
		}), key: "billing", want: event{"2026-11-26T10:00:00Z", "ERROR", "billing", "", "m"}},
		{name: "ECS nesting, micros, numeric level", value: confluent(t, ecs, idECS, map[string]any{
			"time":    map[string]any{"long.timestamp-micros": ts.Add(456 * time.Microsecond)},
			"log":     map[string]any{"level": int32(50)},
			"service": map[string]any{"Service": map[string]any{"name": "search", "version": "1.2"}},
			"message": map[string]any{"string": "boom"},
		}), want: event{"2026-11-26T10:00:00.123456Z", "ERROR", "search", "", "boom"}},
		{name: "no time: record timestamp", value: confluent(t, ecs, idECS, map[string]any{
			"time": nil, "log": map[string]any{"level": int32(30)}, "service": nil, "message": nil,
		}), key: "k", want: event{"2026-11-26T12:00:00Z", "INFO", "k", "", ""}},
		{name: "evolved logevent", value: confluent(t, v2, idV2, map[string]any{
			"host": nil, "message": "m", "trace_id": map[string]any{"string": "t"}, "level": "fatal",
			"service": map[string]any{"string": "api"}, "timestamp": ts,
		}), want: event{"2026-11-26T10:00:00.123Z", "FATAL", "api", "", "m"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(1<<20, testRegistry())
			ev, err := d.Decode(Record{Key: []byte(tc.key), Value: tc.value, Timestamp: ref})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, eventOf(ev)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeAvroErrors(t *testing.T) {
	ref := rfc3339(t, "2026-11-26T12:00:00Z")
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	good := single(t, logEventNative(ts, "info", "hello", "api", ""))
	goodConfluent := confluent(t, logEvent().codec, idLogEvent, logEventNative(ts, "info", "hello", "api", ""))
	other := mustCodec(t, v2Schema)
	otherSingle, err := other.SingleFromNative(nil, map[string]any{"message": "m", "level": "info", "timestamp": ts})
	if err != nil {
		t.Fatal(err)
	}
	appLog := mustCodec(t, appLogSchema)
	for _, tc := range []struct {
		name        string
		value       []byte
		contentType string
		reg         bool // decode with the test registry, not Decode
		reason, msg string
	}{
		{name: "unknown fingerprint", value: otherSingle, reason: ReasonInvalidAvro, msg: "fingerprint"},
		{name: "truncated body", value: good[:len(good)-3], reason: ReasonInvalidAvro, msg: "io.logpulse.LogEvent"},
		{name: "truncated header", value: good[:6], reason: ReasonInvalidAvro, msg: "single-object header"},
		{name: "bytes after the record", value: append(append([]byte{}, good...), 0, 0), reason: ReasonInvalidAvro, msg: "2 bytes left"},
		{name: "before 1970", value: single(t, logEventNative(time.UnixMilli(-1), "info", "m", "", "")), reason: ReasonBadTimestamp, msg: "before 1970"},
		{name: "far future", value: single(t, logEventNative(ref.Add(25*time.Hour), "info", "m", "", "")), reason: ReasonBadTimestamp, msg: "after the record timestamp"},
		{name: "message not UTF-8", value: single(t, logEventNative(ts, "info", "caf\xe9", "", "")), reason: ReasonInvalidUTF8, msg: `"message"`},
		{name: "content type avro, JSON value", value: []byte(`{"msg":"x"}`), contentType: "avro/binary", reason: ReasonInvalidAvro, msg: "0x7b"},
		{name: "content type avro, empty", value: nil, contentType: "application/vnd.apache.avro+binary", reason: ReasonEmpty},
		{name: "too large", value: append(append([]byte{}, good...), make([]byte, 100)...), reason: ReasonTooLarge},
		{name: "confluent without registry", value: goodConfluent, reason: ReasonInvalidAvro, msg: "confluent-framed avro needs --schema-registry"},
		{name: "confluent forced, short", value: []byte{0, 0, 1}, contentType: "avro/binary", reason: ReasonInvalidAvro, msg: "too short for Confluent"},
		{name: "NUL before text is text", value: []byte("\x00ERROR disk full"), reason: ReasonInvalidUTF8, msg: "0x00"},
		{name: "NUL, too short for a header", value: []byte{0, 0, 0, 1}, reason: ReasonInvalidUTF8, msg: "0x00"},
		{name: "unknown schema id", value: confluent(t, logEvent().codec, 99, logEventNative(ts, "info", "m", "", "")), reg: true,
			reason: ReasonInvalidAvro, msg: "schema id 99: not found"},
		{name: "negative schema id", value: []byte{0, 0x80, 0, 0, 1, 2}, reg: true, reason: ReasonInvalidAvro, msg: "negative"},
		{name: "schema not a record", value: []byte{0, 0, 0, 0, idString, 2, 'x'}, reg: true, reason: ReasonInvalidAvro, msg: "want a record"},
		{name: "schema goavro cannot read", value: []byte{0, 0, 0, 0, idBroken, 2}, reg: true, reason: ReasonInvalidAvro, msg: "schema id 6 is not an avro schema"},
		{name: "body of another schema", value: confluent(t, appLog, idLogEvent, map[string]any{
			"msg": "m", "severity": "INFO", "ts": int64(1), "hostname": "h"}), reg: true, reason: ReasonInvalidAvro, msg: "schema id 1"},
		{name: "confluent truncated", value: goodConfluent[:len(goodConfluent)-2], reg: true, reason: ReasonInvalidAvro, msg: "schema id 1"},
		{name: "unreadable string time", value: confluent(t, mustCodec(t, `{"type":"record","name":"S","fields":[{"name":"ts","type":"string"}]}`), 7, map[string]any{"ts": "yesterday"}),
			reg: true, reason: ReasonBadTimestamp, msg: `"ts": unreadable timestamp yesterday (string)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Record{Key: []byte("svc"), Value: tc.value, Timestamp: ref, ContentType: tc.contentType}
			var err error
			if tc.reg {
				reg := testRegistry()
				reg.schemas[7] = `{"type":"record","name":"S","fields":[{"name":"ts","type":"string"}]}`
				_, err = NewDecoder(len(good)+50, reg).Decode(r)
			} else {
				_, err = Decode(r, len(good)+50)
				checkReason(t, err, tc.reason, tc.msg)
				// A Decoder without a registry says the same.
				_, err = NewDecoder(len(good)+50, nil).Decode(r)
			}
			checkReason(t, err, tc.reason, tc.msg)
			t.Log(err) // go test -v shows what the dead-letter header says
		})
	}
}

// TestAvroFraming pins which values are taken as Avro, and so which are
// left to the text decoders.
func TestAvroFraming(t *testing.T) {
	for _, tc := range []struct {
		value, contentType string
		want               avroFraming
	}{
		{"\xc3\x01", "", framingSingle},
		{"\xc3\x02abcdefghij", "", notAvro},
		{"\x00\x00\x00\x00\x01\x02", "", framingConfluent},
		{"\x00\x00\x00\x01", "", notAvro},
		{"\x00ERROR text", "", notAvro},
		{"\x00ERROR text", "avro/binary", framingConfluent},
		{"\x00\x00\x00\x00\x01", "text/plain", notAvro},
		{"\xc3\x01abcdefgh", "application/json", notAvro},
		{"\xc3\x01abcdefgh", "application/octet-stream", framingSingle},
		{"plain", "avro/binary", framingUnknown},
		{"", "avro/binary", notAvro},
		{"plain", "application/avro", framingUnknown},
		{"plain", "application/vnd.apache.avro+binary", framingUnknown},
		{"plain", "application/vnd.apache.avro+json", notAvro},
	} {
		if got := avroFramingOf(tc.contentType, []byte(tc.value)); got != tc.want {
			t.Errorf("avroFramingOf(%q, %q) = %d, want %d", tc.contentType, tc.value, got, tc.want)
		}
	}
}

// TestAppendAvro checks the exported encoders against the decoders, and
// that they leave b as it was on an error.
func TestAppendAvro(t *testing.T) {
	ev := LogEvent{Time: rfc3339(t, "2026-11-26T10:00:00.123Z"), Level: LevelWarn, Service: "api", Host: "h", Message: "m"}
	prefix := []byte("keep")
	b, err := AppendAvroSingle(prefix, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(Record{Value: b[len(prefix):], Timestamp: ev.Time}, 0)
	if err != nil || !sameEvent(got, ev) {
		t.Fatalf("single: got %+v, %v; want %+v", got, err, ev)
	}
	b, err = AppendAvroConfluent(prefix, idLogEvent, ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err = NewDecoder(0, testRegistry()).Decode(Record{Value: b[len(prefix):], Timestamp: ev.Time})
	if err != nil || !sameEvent(got, ev) {
		t.Fatalf("confluent: got %+v, %v; want %+v", got, err, ev)
	}
	for _, id := range []int{-1, 1 << 31} {
		if b, err := AppendAvroConfluent(prefix, id, ev); err == nil || string(b) != "keep" {
			t.Errorf("id %d: %q, %v; want an error and b unchanged", id, b, err)
		}
	}
}
