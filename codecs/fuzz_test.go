package codecs

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// The fuzz targets check what the pipeline relies on, whatever a producer
// writes: Decode never panics, an event's service is a safe table key and
// its time is in range and UTC, and a failure is a *DecodeError with a
// reason the dead-letter metrics know. The committed seed corpora under
// testdata/fuzz/ hold one record of each format and each failure.

func FuzzDecode(f *testing.F) {
	ref := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).UnixMilli()
	for _, v := range fuzzSeeds() {
		f.Add([]byte(v), []byte("svc"), "", ref, 0)
	}
	f.Add([]byte(`{"msg":"m"}`), []byte{0xff}, "application/json", int64(0), 4)
	f.Fuzz(func(t *testing.T, value, key []byte, contentType string, tsMillis int64, maxBytes int) {
		r := Record{Key: key, Value: value, ContentType: contentType}
		if tsMillis != 0 {
			r.Timestamp = time.UnixMilli(tsMillis)
		}
		checkDecode(t, r, maxBytes)
	})
}

func FuzzDecodeJSON(f *testing.F) { fuzzFormat(f, "application/json") }

func FuzzDecodeText(f *testing.F) { fuzzFormat(f, "text/plain") }

func FuzzDecodeLogfmt(f *testing.F) { fuzzFormat(f, "text/logfmt") }

// fuzzFormat fuzzes one decoder, the content type forcing it, so that the
// fuzzer does not spend its time on format detection.
func fuzzFormat(f *testing.F, contentType string) {
	for _, v := range fuzzSeeds() {
		f.Add(v)
	}
	ref := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		checkDecode(t, Record{Key: []byte("svc"), Value: []byte(value), Timestamp: ref, ContentType: contentType}, 0)
	})
}

// fuzzSeeds returns one line of each layout Decode knows.
func fuzzSeeds() []string {
	return []string{
		`{"ts":"2026-11-26T10:00:00.123+01:00","level":"warn","msg":"disk","service":"api","host":"h"}`,
		`{"@timestamp":"2026-11-26T10:00:00Z","log":{"level":"error"},"service":{"name":"b"},"host":{"name":"h"}}`,
		`{"level":50,"time":1700000000123,"msg":"x"}`,
		`{"log":"hello\n","stream":"stderr","time":"2026-11-26T10:00:00.123456789Z"}`,
		`[1,2]`,
		`ts=2026-11-26T10:00:00Z level=warn msg="quoted \"text\" \u00e9" service=api`,
		`1700000000 ERROR disk full`,
		`081109 203615 148 INFO dfs.DataNode: x`,
		`2015-10-18 18:01:47,978 INFO [main] x`,
		`2015-07-29 17:41:44,747 - WARN  [x@1] - y`,
		`nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO x`,
		`17/06/09 20:10:40 INFO executor: x`,
		`E1126 10:00:00.000000 1 main.go:42] x`,
		`11-26 10:00:00.000  123  456 E Tag: msg`,
		`[Sun Dec 04 04:47:44 2005] [error] x`,
		"\x1b[31mERROR\x1b[0m x",
		"a\x00b",
		`<11>1 2026-11-26T10:00:00.123Z web-1 billing 4321 ID47 [sd@1 a="\]"] payment failed`,
		`<34>Oct 11 22:14:15 mymachine su: 'su root' failed`,
		`<13>Nov 26 10:00:00 web-1 app[123]: ERROR disk full`,
		`2026-11-26T10:00:00.123456789Z stderr P 2026-11-26 09:59:59 ERROR db`,
		`2026-11-26T10:00:00Z stdout F {"level":"warn","msg":"slow"}`,
		`{"__REALTIME_TIMESTAMP":"1795687200000000","PRIORITY":"3","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"x"}`,
		`{"version":"1.1","host":"h","short_message":"m","level":4,"timestamp":1795687200.5}`,
		`{"log":"E x\n","kubernetes":{"labels":{"app.kubernetes.io/name":"c"},"container_name":"a"}}`,
		`{"@timestamp":"2026-11-26T10:00:00Z","message":"[WARN] x","container":{"name":"k"}}`,
		`1:M 26 Nov 2026 10:00:00.123 # WARNING x`,
		`26-Nov-2026 10:00:00.123 network: info: x`,
	}
}

// The unwrappers of envelopes, each fuzzed on its own seeds.

func FuzzSyslog(f *testing.F) { fuzzSeeded(f, "<") }

func FuzzCRI(f *testing.F) { fuzzSeeded(f, "2026-11-26T10:00:00") }

func FuzzEnvelopeJSON(f *testing.F) { fuzzSeeded(f, "{") }

func fuzzSeeded(f *testing.F, prefix string) {
	for _, v := range fuzzSeeds() {
		if strings.HasPrefix(v, prefix) {
			f.Add(v)
		}
	}
	ref := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string) {
		checkDecode(t, Record{Value: []byte(value), Timestamp: ref}, 0)
	})
}

// checkDecode decodes r and checks the invariants of the result.
func checkDecode(t *testing.T, r Record, maxBytes int) {
	t.Helper()
	ev, err := Decode(r, maxBytes)
	// Decoding depends on nothing but the record: map order, for one, must
	// not leak into the result.
	// (cmp.Diff only on a difference: it would cost more than Decode.)
	ev2, err2 := Decode(r, maxBytes)
	if !sameEvent(ev, ev2) || (err == nil) != (err2 == nil) {
		t.Fatalf("two decodes differ (-first +second):\n%s\n%v / %v", cmp.Diff(ev, ev2), err, err2)
	}
	// DecodeAll and Explain agree with Decode.
	evs, errAll := DecodeAll(r, maxBytes, nil)
	exEvs, ex, errEx := Explain(r, maxBytes)
	if (err == nil) != (errAll == nil) || (err == nil) != (errEx == nil) {
		t.Fatalf("Decode: %v; DecodeAll: %v; Explain: %v", err, errAll, errEx)
	}
	if err != nil {
		checkDecodeError(t, err)
		if !sameEvent(ev, LogEvent{}) {
			t.Fatalf("event beside an error:\n%s", cmp.Diff(LogEvent{}, ev))
		}
		return
	}
	if len(evs) == 0 || !sameEvent(evs[0], ev) || len(exEvs) != len(evs) || len(ex) != len(evs) {
		t.Fatalf("DecodeAll gave %d events, the first %+v; Decode %+v; Explain %d", len(evs), evs, ev, len(ex))
	}
	for _, ev := range evs {
		checkEvent(t, r, ev)
	}
}

// checkEvent checks the invariants of a decoded event.
func checkEvent(t *testing.T, r Record, ev LogEvent) {
	t.Helper()
	if ev.Service == "" {
		t.Fatalf("empty service")
	}
	checkName(t, "service", ev.Service)
	checkName(t, "host", ev.Host)
	if ev.Time.Location() != time.UTC {
		t.Fatalf("time %v is in %v, want UTC", ev.Time, ev.Time.Location())
	}
	if ev.Time.Before(time.Unix(0, 0)) || !r.Timestamp.IsZero() && ev.Time.After(r.Timestamp.Add(maxFuture)) {
		t.Fatalf("time %v out of range (record %v)", ev.Time, r.Timestamp)
	}
	if int(ev.Level) >= NumLevels {
		t.Fatalf("level %d out of range", ev.Level)
	}
	if !utf8.ValidString(ev.Message) {
		t.Fatalf("message %q is not valid UTF-8", ev.Message)
	}
}

func sameEvent(a, b LogEvent) bool {
	return a.Time.Equal(b.Time) && a.Time.Location() == b.Time.Location() &&
		a.Level == b.Level && a.Service == b.Service && a.Host == b.Host && a.Message == b.Message
}

// checkName checks that a service or host is safe in a table key.
func checkName(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) || len(s) > maxNameBytes || strings.TrimSpace(s) != s {
		t.Fatalf("%s %q is not clean", what, s)
	}
	for _, c := range s {
		if c == '|' || unicode.IsControl(c) {
			t.Fatalf("%s %q has %q", what, s, c)
		}
	}
}

// checkDecodeError fails unless err is a *DecodeError with a known reason:
// the reason becomes a DLQ header and a metric label, so it must be one of
// the documented codes.
func checkDecodeError(tb testing.TB, err error) {
	tb.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		tb.Fatalf("error %v (%T) is not a *DecodeError", err, err)
	}
	switch de.Reason {
	case ReasonEmpty, ReasonTooLarge, ReasonInvalidJSON, ReasonInvalidUTF8, ReasonUndecodable, ReasonBadTimestamp, ReasonInvalidAvro, ReasonInvalidOTLP:
	default:
		tb.Fatalf("unknown reason %q", de.Reason)
	}
}
