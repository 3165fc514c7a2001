package codecs

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/linkedin/goavro/v2"
)

// TestAvroWireFormat pins logevent.avsc on the wire: producers in other
// languages write these bytes, and records already on the topic must stay
// readable. The fingerprint follows from the schema's Parsing Canonical
// Form, pinned beside it so that a changed fingerprint shows why. A change
// to the schema is a new schema: the fingerprint and every producer's
// registration change with it, so it must be deliberate (go test ./codecs
// -run TestAvroWireFormat -update, and say so in the commit).
func TestAvroWireFormat(t *testing.T) {
	ev := LogEvent{
		Time:    rfc3339(t, "2026-11-26T10:00:00.123Z"),
		Level:   LevelError,
		Service: "checkout",
		Host:    "web-7",
		Message: "payment declined: card expired",
	}
	decoded := eventOf(ev)
	noNames := LogEvent{Time: ev.Time, Level: LevelInfo, Message: "ok"}
	le := logEvent()
	single := func(ev LogEvent) []byte {
		b, err := AppendAvroSingle(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	conf, err := AppendAvroConfluent(nil, 7, ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		got  string
		want *event // what the golden bytes decode to; nil for text
		reg  bool
	}{
		{file: "logevent_canonical.avsc", got: specCanonical(le.codec.CanonicalSchema())},
		{file: "logevent_fingerprint.txt", got: fmt.Sprintf("%#016x", le.fingerprint)},
		{file: "logevent_single.hex", got: hexLines(single(ev)), want: &decoded},
		{file: "logevent_single_null_names.hex", got: hexLines(single(noNames)),
			want: &event{"2026-11-26T10:00:00.123Z", "INFO", "unknown", "", "ok"}},
		{file: "logevent_confluent_id7.hex", got: hexLines(conf), want: &decoded, reg: true},
	} {
		path := filepath.Join("testdata", "golden", tc.file)
		if *update {
			if err := os.WriteFile(path, []byte(tc.got+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./codecs -run TestAvroWireFormat -update to create it)", err)
		}
		if tc.got != strings.TrimSuffix(string(want), "\n") {
			t.Errorf("%s: encoding changed\n got %s\nwant %s", tc.file, tc.got, want)
		}
		if tc.want == nil {
			continue
		}
		b, err := hex.DecodeString(strings.Join(strings.Fields(string(want)), ""))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		r := Record{Value: b, Timestamp: ev.Time}
		var back LogEvent
		if tc.reg {
			reg := &memRegistry{schemas: map[int]string{7: LogEventSchema()}}
			back, err = NewDecoder(0, reg).Decode(r)
		} else {
			back, err = Decode(r, 0)
		}
		if err != nil {
			t.Fatalf("decode %s: %v", tc.file, err)
		}
		if diff := cmp.Diff(*tc.want, eventOf(back)); diff != "" {
			t.Errorf("%s does not decode to what was encoded (-want +got):\n%s", tc.file, diff)
		}
	}
}

// hexLines writes b as hex, 16 bytes a line, so that a diff of a golden file
// shows where the bytes changed.
func hexLines(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		n := min(16, len(b))
		if s.Len() > 0 {
			s.WriteByte('\n')
		}
		s.WriteString(hex.EncodeToString(b[:n]))
		b = b[n:]
	}
	return s.String()
}

// javaSingleObject is the fixed event of TestAvroWireFormat as Java writes
// it: Apache Avro 1.8.2's BinaryMessageEncoder with a GenericRecord of
// logevent.avsc. Its fingerprint, 0xef50e6d2e9db08b9, is the one Java's
// SchemaNormalization.parsingFingerprint64 gives the schema.
const javaSingleObject = "c301b908dbe9d2e650eff6d5e1f4c2680a4552524f523c7061796d656e74206465636c696e65643a20636172642065787069726564" +
	"0210636865636b6f7574020a7765622d37"

// TestAvroJava: what Java writes, logpulse reads, and logpulse writes the
// same bytes, so a Java consumer reads logpulse's records.
func TestAvroJava(t *testing.T) {
	if fp := logEvent().fingerprint; fp != 0xef50e6d2e9db08b9 {
		t.Errorf("fingerprint %#016x, Java's is 0xef50e6d2e9db08b9", fp)
	}
	ev := LogEvent{
		Time:    rfc3339(t, "2026-11-26T10:00:00.123Z"),
		Level:   LevelError,
		Service: "checkout",
		Host:    "web-7",
		Message: "payment declined: card expired",
	}
	java, err := hex.DecodeString(javaSingleObject)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(Record{Value: java, Timestamp: ev.Time}, 0)
	if err != nil {
		t.Fatalf("decode Java's bytes: %v", err)
	}
	if diff := cmp.Diff(eventOf(ev), eventOf(got)); diff != "" {
		t.Errorf("Java's bytes (-want +got):\n%s", diff)
	}
	ours, err := AppendAvroSingle(nil, ev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, java) {
		t.Errorf("AppendAvroSingle differs from Java:\n got %x\nwant %x", ours, java)
	}
}

// TestAvroGoavroFingerprint: goavro's own single-object encoding (and
// Python avro's) carries another fingerprint for the same schema; a Go or
// Python producer that uses it is read too.
func TestAvroGoavroFingerprint(t *testing.T) {
	ts := rfc3339(t, "2026-11-26T10:00:00Z")
	b, err := logEvent().codec.SingleFromNative(nil, logEventNative(ts, "warn", "m", "api", ""))
	if err != nil {
		t.Fatal(err)
	}
	if fp, _, _ := goavro.FingerprintFromSOE(b); fp == logEvent().fingerprint {
		t.Fatalf("goavro now writes the specification's fingerprint %#016x: the second one can go", fp)
	}
	ev, err := Decode(Record{Value: b, Timestamp: ts}, 0)
	if err != nil || ev.Level != LevelWarn || ev.Service != "api" {
		t.Fatalf("goavro's encoding: %+v, %v", ev, err)
	}
}
