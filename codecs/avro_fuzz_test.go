package codecs

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// The Avro fuzz targets take a value, decoded as it comes (forced to Avro
// by the content type, and detected), and the fields of an event x, which
// they encode and decode back: decode(encode(x)) must be x. The seed
// corpora under testdata/fuzz/ are avroFuzzSeeds, written by
// TestAvroFuzzSeeds -update.

func FuzzDecodeAvroSingle(f *testing.F) {
	f.Fuzz(func(t *testing.T, value []byte, ms int64, level uint8, service, host, message string) {
		decode := func(r Record) (LogEvent, error) { return Decode(r, 0) }
		for _, ct := range []string{"", "avro/binary"} {
			checkAvro(t, Record{Key: []byte("svc"), Value: value, Timestamp: fuzzRef(), ContentType: ct}, decode)
		}
		x := fuzzEvent(ms, level, service, host, message)
		b, err := AppendAvroSingle(nil, x)
		if err != nil {
			t.Fatalf("encode %+v: %v", x, err)
		}
		checkRoundTrip(t, x, b, decode)
	})
}

func FuzzDecodeAvroConfluent(f *testing.F) {
	// One Decoder for the whole run: its cache is part of what is fuzzed.
	d := NewDecoder(0, testRegistry())
	v2 := mustCodec(f, v2Schema)
	f.Fuzz(func(t *testing.T, value []byte, ms int64, level uint8, service, host, message string) {
		for _, ct := range []string{"", "avro/binary"} {
			checkAvro(t, Record{Key: []byte("svc"), Value: value, Timestamp: fuzzRef(), ContentType: ct}, d.Decode)
		}
		x := fuzzEvent(ms, level, service, host, message)
		b, err := AppendAvroConfluent(nil, idLogEvent, x)
		if err != nil {
			t.Fatalf("encode %+v: %v", x, err)
		}
		checkRoundTrip(t, x, b, d.Decode)

		// The same event through an evolved writer schema, read by name.
		// Its timestamp-micros holds ±292,000 years; goavro would overflow
		// past that.
		if ms > -9e15 && ms < 9e15 {
			native := avroNative(x)
			native["trace_id"] = nil
			checkRoundTrip(t, x, confluent(t, v2, idV2, native), d.Decode)
		}
	})
}

// fuzzRef is the record timestamp of fuzzed values.
func fuzzRef() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }

// fuzzEvent builds an event from fuzz inputs as a decoder gives it: time
// to the millisecond, in UTC; one of the levels; the names cleaned and the
// service never empty; the message UTF-8 without a trailing line break.
func fuzzEvent(ms int64, level uint8, service, host, message string) LogEvent {
	return LogEvent{
		Time:    time.UnixMilli(ms).UTC(),
		Level:   Level(int(level) % NumLevels),
		Service: serviceName(service, nil),
		Host:    cleanName(host),
		Message: strings.TrimRight(strings.ToValidUTF8(message, "\uFFFD"), "\r\n"),
	}
}

// checkRoundTrip decodes b, the encoding of x, in a record stamped with x's
// own time: it must give x back, or ReasonBadTimestamp for a time before
// 1970.
func checkRoundTrip(t *testing.T, x LogEvent, b []byte, decode func(Record) (LogEvent, error)) {
	t.Helper()
	got, err := decode(Record{Value: b, Timestamp: x.Time})
	if x.Time.Before(time.Unix(0, 0)) {
		var de *DecodeError
		if !errors.As(err, &de) || de.Reason != ReasonBadTimestamp {
			t.Fatalf("event before 1970: error %v, want %s", err, ReasonBadTimestamp)
		}
		return
	}
	if err != nil {
		t.Fatalf("decode(encode(%+v)): %v\nbytes %x", x, err, b)
	}
	if !sameEvent(got, x) {
		t.Fatalf("decode(encode(x)) != x (-x +got):\n%s", cmp.Diff(eventOf(x), eventOf(got)))
	}
}

// checkAvro decodes r twice and checks the invariants of the result: the
// same answer both times (the schema cache changes nothing), a
// *DecodeError with a known reason, or an event the pipeline can count.
func checkAvro(t *testing.T, r Record, decode func(Record) (LogEvent, error)) {
	t.Helper()
	ev, err := decode(r)
	ev2, err2 := decode(r)
	if !sameEvent(ev, ev2) || fmt.Sprint(err) != fmt.Sprint(err2) {
		t.Fatalf("two decodes differ: %+v, %v / %+v, %v", ev, err, ev2, err2)
	}
	if err != nil {
		checkDecodeError(t, err)
		if !sameEvent(ev, LogEvent{}) {
			t.Fatalf("event beside an error: %+v", ev)
		}
		return
	}
	if ev.Service == "" {
		t.Fatalf("empty service")
	}
	checkName(t, "service", ev.Service)
	checkName(t, "host", ev.Host)
	if ev.Time.Location() != time.UTC || ev.Time.Before(time.Unix(0, 0)) || ev.Time.After(r.Timestamp.Add(maxFuture)) {
		t.Fatalf("time %v out of range or not UTC (record %v)", ev.Time, r.Timestamp)
	}
	if int(ev.Level) >= NumLevels || !utf8.ValidString(ev.Message) {
		t.Fatalf("bad event %+v", ev)
	}
}

// avroFuzzSeed is one entry of a seed corpus.
type avroFuzzSeed struct {
	name    string
	value   []byte
	ms      int64
	level   uint8
	service string
	host    string
	message string
}

// avroFuzzSeeds returns the seed corpus of a target: each framing's valid
// records and each failure, and events at the edges.
func avroFuzzSeeds(tb testing.TB, target string) []avroFuzzSeed {
	ts := rfc3339(tb, "2026-11-26T10:00:00.123Z")
	ev := LogEvent{Time: ts, Level: LevelError, Service: "checkout", Host: "web-7", Message: "payment declined"}
	seeds := []avroFuzzSeed{
		{name: "edge_zero", value: nil},
		{name: "edge_max_time", value: []byte{0xC3, 0x01}, ms: math.MaxInt64, level: 255, service: " a|b\x01 ", host: "\xff", message: "caf\xe9\r\n"},
		{name: "edge_min_time", value: []byte{0x00}, ms: math.MinInt64, level: 3, message: "\x00"},
	}
	withEvent := func(name string, value []byte) avroFuzzSeed {
		return avroFuzzSeed{name: name, value: value, ms: ev.Time.UnixMilli(), level: uint8(ev.Level),
			service: ev.Service, host: ev.Host, message: ev.Message}
	}
	switch target {
	case "FuzzDecodeAvroSingle":
		good, err := AppendAvroSingle(nil, ev)
		if err != nil {
			tb.Fatal(err)
		}
		goavroSOE, err := logEvent().codec.SingleFromNative(nil, avroNative(ev))
		if err != nil {
			tb.Fatal(err)
		}
		other, err := mustCodec(tb, appLogSchema).SingleFromNative(nil, map[string]any{
			"msg": "m", "severity": "INFO", "ts": int64(1), "hostname": "h"})
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds,
			withEvent("single", good),
			withEvent("single_goavro_fingerprint", goavroSOE),
			withEvent("single_truncated", good[:len(good)-4]),
			withEvent("single_header_only", good[:10]),
			withEvent("single_unknown_fingerprint", other),
			withEvent("single_trailing", append(append([]byte{}, good...), 1)),
		)
	case "FuzzDecodeAvroConfluent":
		good, err := AppendAvroConfluent(nil, idLogEvent, ev)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds,
			withEvent("confluent", good),
			withEvent("confluent_applog", confluent(tb, mustCodec(tb, appLogSchema), idAppLog, map[string]any{
				"msg": "m", "severity": "WARNING", "ts": ts.UnixMilli(), "app": map[string]any{"string": "a"}, "hostname": "h"})),
			withEvent("confluent_ecs", confluent(tb, mustCodec(tb, ecsSchema), idECS, map[string]any{
				"time": map[string]any{"long.timestamp-micros": ts}, "log": map[string]any{"level": int32(40)},
				"service": map[string]any{"Service": map[string]any{"name": "s", "version": "1"}}, "message": nil})),
			withEvent("confluent_v2", confluent(tb, mustCodec(tb, v2Schema), idV2, map[string]any{
				"message": "m", "level": "info", "timestamp": ts})),
			withEvent("confluent_tagged", confluent(tb, mustCodec(tb, taggedSchema), idTagged, taggedNative(ts, 2))),
			withEvent("confluent_string_schema", []byte{0, 0, 0, 0, idString, 4, 'h', 'i'}),
			withEvent("confluent_broken_schema", []byte{0, 0, 0, 0, idBroken, 0}),
			withEvent("confluent_unknown_id", append([]byte{0, 0, 0, 0, 99}, good[5:]...)),
			withEvent("confluent_negative_id", []byte{0, 0xff, 0xff, 0xff, 0xff, 0}),
			withEvent("confluent_truncated", good[:len(good)-3]),
			withEvent("confluent_text_after_nul", []byte("\x00ERROR disk full")),
		)
	default:
		tb.Fatalf("no seeds for %s", target)
	}
	return seeds
}

// TestAvroFuzzSeeds keeps the committed seed corpora in step with
// avroFuzzSeeds; -update rewrites them.
func TestAvroFuzzSeeds(t *testing.T) {
	for _, target := range []string{"FuzzDecodeAvroSingle", "FuzzDecodeAvroConfluent"} {
		dir := filepath.Join("testdata", "fuzz", target)
		for _, s := range avroFuzzSeeds(t, target) {
			path := filepath.Join(dir, s.name)
			want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nint64(%d)\nuint8(%d)\nstring(%q)\nstring(%q)\nstring(%q)\n",
				s.value, s.ms, s.level, s.service, s.host, s.message)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./codecs -run TestAvroFuzzSeeds -update)", err)
			}
			if string(got) != want {
				t.Errorf("%s is not avroFuzzSeeds' %s (run go test ./codecs -run TestAvroFuzzSeeds -update)", path, s.name)
			}
		}
	}
}
