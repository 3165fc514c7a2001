package codecs

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestOTLPThreeRecords(t *testing.T) {
	want := []event{
		{"2026-11-26T11:59:58.1Z", "INFO", "checkout", "web-7", "order placed"},
		{"2026-11-26T11:59:59.2Z", "WARN", "checkout", "web-7", "payment slow"},
		{"2026-11-26T11:59:59.3Z", "ERROR", "checkout", "web-7", "payment declined: card expired"},
	}
	for name, fs := range otlpEncodings(t, threeRecordLogs(t)) {
		if diff := cmp.Diff(want, otlpEvents(t, fs)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", name, diff)
		}
	}
}

// TestOTLPProtoJSONSame: the two encodings of one batch give the same
// fields, for every kind of body and attribute.
func TestOTLPProtoJSONSame(t *testing.T) {
	ld, recs := newOTLPLogs("service.name", "api")
	bodies := []any{
		"text", int64(-42), 1.5, 1e21, 1e-7, math.Inf(-1), true, []byte{0, 1, 0xfe},
		[]any{"a", int64(1), 2.5, false, nil, []byte("x"), map[string]any{"k": "v"}},
		map[string]any{"msg": "m", "level": "warn", "n": int64(3), "nested": map[string]any{"q": `"\` + "\n\x01"}},
		map[string]any{},
		nil,
	}
	for i, body := range bodies {
		lr := recs.AppendEmpty()
		lr.SetTimestamp(otlpTS(t, "2026-11-26T11:00:00Z"))
		if err := lr.Body().FromRaw(body); err != nil {
			t.Fatal(err)
		}
		lr.Attributes().PutInt("service.name", int64(i)) // not a string: names nothing
		lr.Attributes().PutStr("k8s.pod.name", "p")
	}
	enc := otlpEncodings(t, ld)
	if diff := cmp.Diff(otlpView(enc["proto"]), otlpView(enc["json"])); diff != "" {
		t.Errorf("proto (-) and JSON (+) differ:\n%s", diff)
	}
}

func TestOTLPBody(t *testing.T) {
	deep := map[string]any{"v": "bottom"}
	for range 20 {
		deep = map[string]any{"d": deep}
	}
	for _, c := range []struct {
		name string
		body any
		want string
	}{
		{"string", "disk full\n", "disk full"}, // the line break trimmed, as for any format
		{"int", int64(-42), "-42"},
		{"double", 0.25, "0.25"},
		{"large double", 1e21, "1e+21"},
		{"infinity", math.Inf(1), "Infinity"},
		{"bool", true, "true"},
		{"bytes", []byte("hi"), "aGk="},
		{"empty", nil, ""},
		{"array", []any{"a", int64(1), 0.5, nil, true, []byte("hi"), []any{}}, `["a",1,0.5,null,true,"aGk=",[]]`},
		{"kvlist without message", map[string]any{"q": "say \"hi\"\t<b>"}, `{"q":"say \"hi\"\t<b>"}`},
		{"kvlist with message", map[string]any{"msg": "logged in", "user": "ann"}, "logged in"},
		{"kvlist nested too deep", deep, strings.Repeat(`{"d":`, maxAnyDepth+1) + `"..."` + strings.Repeat("}", maxAnyDepth+1)},
	} {
		ld, recs := newOTLPLogs()
		if err := recs.AppendEmpty().Body().FromRaw(c.body); err != nil {
			t.Fatal(err)
		}
		for name, fs := range otlpEncodings(t, ld) {
			if got := otlpEvents(t, fs)[0].Message; got != c.want {
				t.Errorf("%s, %s: message %q, want %q", c.name, name, got, c.want)
			}
		}
	}
}

func TestOTLPService(t *testing.T) {
	for _, c := range []struct {
		name          string
		res, rec      []string
		service, host string
	}{
		{"resource", []string{"service.name", "api", "host.name", "h1"}, nil, "api", "h1"},
		{"record overrides resource", []string{"service.name", "api", "host.name", "h1"}, []string{"service.name", "worker", "host.name", "h2"}, "worker", "h2"},
		{"blank record value", []string{"service.name", "api"}, []string{"service.name", " "}, "api", ""},
		{"sdk default loses to deployment", []string{"service.name", "unknown_service:java", "k8s.deployment.name", "billing"}, nil, "billing", ""},
		{"sdk default alone", []string{"service.name", "unknown_service:java"}, nil, "unknown_service:java", ""},
		{"deployment before container", []string{"k8s.container.name", "app", "k8s.deployment.name", "billing"}, nil, "billing", ""},
		{"k8s container before docker container", []string{"container.name", "billing-1", "k8s.container.name", "app"}, nil, "app", ""},
		{"docker container", []string{"container.name", "billing-1"}, nil, "billing-1", ""},
		{"record container loses to resource service", []string{"service.name", "api"}, []string{"container.name", "c"}, "api", ""},
		{"none", []string{"k8s.pod.name", "p-1"}, nil, "unknown", ""},
	} {
		ld, recs := newOTLPLogs(c.res...)
		lr := recs.AppendEmpty()
		for i := 0; i+1 < len(c.rec); i += 2 {
			lr.Attributes().PutStr(c.rec[i], c.rec[i+1])
		}
		for name, fs := range otlpEncodings(t, ld) {
			ev := otlpEvents(t, fs)[0]
			if ev.Service != c.service || ev.Host != c.host {
				t.Errorf("%s, %s: service %q host %q, want %q %q", c.name, name, ev.Service, ev.Host, c.service, c.host)
			}
		}
	}
}

func TestOTLPLevel(t *testing.T) {
	type rec struct {
		number plog.SeverityNumber
		text   string
		body   any
	}
	cases := []struct {
		name string
		rec  rec
		want string
	}{
		{"text only", rec{0, "Warning", "x"}, "WARN"},
		{"number before text", rec{plog.SeverityNumberError, "info", "x"}, "ERROR"},
		{"number out of range, text", rec{25, "debug", "x"}, "DEBUG"},
		{"body level word", rec{0, "", "ERROR disk full"}, "ERROR"},
		{"body after unknown text", rec{0, "custom", "2026-11-26 11:00:00 WARN low disk"}, "WARN"},
		{"kvlist body level", rec{0, "", map[string]any{"level": "warn", "msg": "m"}}, "WARN"},
		{"nothing", rec{0, "", "disk full"}, "UNKNOWN"},
	}
	for n, want := range map[plog.SeverityNumber]string{
		1: "TRACE", 4: "TRACE", 5: "DEBUG", 8: "DEBUG", 9: "INFO", 12: "INFO",
		13: "WARN", 16: "WARN", 17: "ERROR", 20: "ERROR", 21: "FATAL", 24: "FATAL",
	} {
		cases = append(cases, struct {
			name string
			rec  rec
			want string
		}{"number " + want, rec{n, "", "x"}, want})
	}
	for _, c := range cases {
		ld, recs := newOTLPLogs()
		lr := recs.AppendEmpty()
		lr.SetTimestamp(otlpTS(t, "2026-11-26T11:00:00Z"))
		lr.SetSeverityNumber(c.rec.number)
		lr.SetSeverityText(c.rec.text)
		if err := lr.Body().FromRaw(c.rec.body); err != nil {
			t.Fatal(err)
		}
		for name, fs := range otlpEncodings(t, ld) {
			if got := otlpEvents(t, fs)[0].Level; got != c.want {
				t.Errorf("%s (number %d), %s: level %s, want %s", c.name, c.rec.number, name, got, c.want)
			}
		}
	}
}

func TestOTLPTime(t *testing.T) {
	for _, c := range []struct {
		name, time, observed, body, want string
	}{
		{"time", "2026-11-26T11:00:00.5Z", "2026-11-26T11:30:00Z", "2026-11-26 10:00:00 INFO x", "2026-11-26T11:00:00.5Z"},
		{"observed", "", "2026-11-26T11:30:00Z", "2026-11-26 10:00:00 INFO x", "2026-11-26T11:30:00Z"},
		{"body", "", "", "2026-11-26 10:00:00 INFO x", "2026-11-26T10:00:00Z"},
		{"kvlist body", "", "", `{"ts":"2026-11-26T09:00:00Z"}`, "2026-11-26T09:00:00Z"},
		{"record timestamp", "", "", "INFO x", "2026-11-26T12:00:00Z"},
	} {
		ld, recs := newOTLPLogs()
		lr := recs.AppendEmpty()
		if c.time != "" {
			lr.SetTimestamp(otlpTS(t, c.time))
		}
		if c.observed != "" {
			lr.SetObservedTimestamp(otlpTS(t, c.observed))
		}
		if c.body != "" && c.body[0] == '{' {
			lr.Body().SetEmptyMap().PutStr("ts", "2026-11-26T09:00:00Z")
		} else {
			lr.Body().SetStr(c.body)
		}
		for name, fs := range otlpEncodings(t, ld) {
			if got := otlpEvents(t, fs)[0].Time; got != c.want {
				t.Errorf("%s, %s: time %s, want %s", c.name, name, got, c.want)
			}
		}
	}
}

// TestOTLPEmpty: a request without a log record has nothing to count.
func TestOTLPEmpty(t *testing.T) {
	ld, _ := newOTLPLogs("service.name", "api")
	_, ok, err := decodeOTLPProto(otlpProtoOf(t, ld), otlpRef())
	if !ok || reasonOf(t, err) != ReasonEmpty {
		t.Errorf("proto: ok %v, err %v; want ok, reason %s", ok, err, ReasonEmpty)
	}
	for _, js := range []string{string(otlpJSONOf(t, ld)), `{"resourceLogs":[]}`, `{"resource_logs":null}`} {
		if _, err := decodeOTLPJSON([]byte(js), otlpRef()); reasonOf(t, err) != ReasonEmpty {
			t.Errorf("json %s: %v, want reason %s", js, err, ReasonEmpty)
		}
	}
}
