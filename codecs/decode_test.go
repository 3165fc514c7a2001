package codecs

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refTime is the record timestamp of the test records.
const refTime = "2026-11-26T12:00:00Z"

type decodeCase struct {
	name  string
	value string
	key   string
	ts    string // record timestamp, RFC 3339; "-" for none
	ctype string
	want  event
}

func runDecodeCases(t *testing.T, tests []decodeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Record{Value: []byte(tt.value), ContentType: tt.ctype}
			if tt.key != "" {
				r.Key = []byte(tt.key)
			}
			switch tt.ts {
			case "":
				r.Timestamp = rfc3339(t, refTime)
			case "-":
			default:
				r.Timestamp = rfc3339(t, tt.ts)
			}
			got, err := Decode(r, 0)
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.value, err)
			}
			if diff := cmp.Diff(tt.want, eventOf(got)); diff != "" {
				t.Errorf("Decode(%q) mismatch (-want +got):\n%s", tt.value, diff)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "all fields",
			value: `{"ts":"2026-11-26T10:00:00.123+01:00","level":"warn","msg":"disk 91%","service":"api","host":"web-1"}`,
			want:  event{"2026-11-26T09:00:00.123Z", "WARN", "api", "web-1", "disk 91%"},
		},
		{
			name:  "first alias in alias order wins",
			value: `{"time":"2026-11-26T11:00:00Z","timestamp":"2026-11-26T10:00:00Z","msg":"b","message":"a","lvl":"error","level":"info"}`,
			want:  event{"2026-11-26T10:00:00Z", "INFO", "unknown", "", "a"},
		},
		{
			name:  "unix seconds",
			value: `{"ts":1700000000,"level":"info"}`,
			want:  event{"2023-11-14T22:13:20Z", "INFO", "unknown", "", ""},
		},
		{
			name:  "unix ms, fraction",
			value: `{"ts":1700000000123.5}`,
			want:  event{"2023-11-14T22:13:20.1235Z", "UNKNOWN", "unknown", "", ""},
		},
		{
			name:  "unix ns in a string",
			value: `{"time":"1700000000123456789"}`,
			want:  event{"2023-11-14T22:13:20.123456789Z", "UNKNOWN", "unknown", "", ""},
		},
		{
			name:  "no zone is UTC",
			value: `{"date":"2026-11-26 10:00:00,250"}`,
			want:  event{"2026-11-26T10:00:00.25Z", "UNKNOWN", "unknown", "", ""},
		},
		{
			name:  "ECS nested",
			value: `{"@timestamp":"2026-11-26T10:00:00Z","log":{"level":"error","logger":"x"},"message":"boom","service":{"name":"billing"},"host":{"name":"h1","ip":"10.0.0.1"}}`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "billing", "h1", "boom"},
		},
		{
			name:  "ECS dotted",
			value: `{"@timestamp":"2026-11-26T10:00:00Z","log.level":"WARNING","service.name":"billing","host.name":"h1","message":"m"}`,
			want:  event{"2026-11-26T10:00:00Z", "WARN", "billing", "h1", "m"},
		},
		{
			name:  "Docker json-file",
			value: `{"log":"hello world\n","stream":"stderr","time":"2026-11-26T10:00:00.123456789Z"}`,
			want:  event{"2026-11-26T10:00:00.123456789Z", "UNKNOWN", "unknown", "", "hello world"},
		},
		{
			name:  "bunyan numeric level",
			value: `{"level":50,"time":"2026-11-26T10:00:00Z","msg":"x","hostname":"h"}`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "h", "x"},
		},
		{
			name:  "a syslog severity number",
			value: `{"severity":3}`,
			want:  event{refTime, "ERROR", "unknown", "", ""},
		},
		{
			name:  "other numbers say nothing",
			value: `{"severity":35}`,
			want:  event{refTime, "UNKNOWN", "unknown", "", ""},
		},
		{
			name:  "keys ignore case",
			value: `{"Timestamp":"2026-11-26T10:00:00Z","Level":"Information","Message":"m","Application":"shop"}`,
			want:  event{"2026-11-26T10:00:00Z", "INFO", "shop", "", "m"},
		},
		{
			name:  "exact case wins over folded",
			value: `{"LEVEL":"error","level":"info","Level":"warn"}`,
			want:  event{refTime, "INFO", "unknown", "", ""},
		},
		{
			name:  "folded keys: the smaller spelling wins",
			value: `{"Level":"warn","LEVEL":"error"}`,
			want:  event{refTime, "ERROR", "unknown", "", ""},
		},
		{
			name:  "unknown level name",
			value: `{"level":"loud","severity":"error"}`,
			want:  event{refTime, "UNKNOWN", "unknown", "", ""},
		},
		{
			name:  "log as an object is not the message",
			value: `{"log":{"level":"debug"},"text":"t"}`,
			want:  event{refTime, "DEBUG", "unknown", "", "t"},
		},
		{
			name:  "service from the key",
			value: `{"msg":"m"}`,
			key:   "checkout",
			want:  event{refTime, "UNKNOWN", "checkout", "", "m"},
		},
		{
			name:  "blank service falls through",
			value: `{"service":"  ","app":"web"}`,
			key:   "k",
			want:  event{refTime, "UNKNOWN", "web", "", ""},
		},
		{
			name:  "service object without a name falls through",
			value: `{"service":{"version":"1"},"app":"web"}`,
			want:  event{refTime, "UNKNOWN", "web", "", ""},
		},
		{
			name:  "service and host are cleaned",
			value: `{"service":" a|b\u0001c ","host":"h|\u007f"}`,
			want:  event{refTime, "UNKNOWN", "a_b_c", "h__", ""},
		},
		{
			name:  "null time is no time",
			value: `{"ts":null,"msg":"m"}`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "m"},
		},
		{
			name:  "nested values elsewhere are skipped",
			value: `{"data":{"level":"error","ts":1},"list":[1,{"msg":"x"}],"msg":"m"}`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "m"},
		},
		{
			name:  "byte order mark and spaces",
			value: "\uFEFF  {\"msg\":\"m\"}\r\n",
			want:  event{refTime, "UNKNOWN", "unknown", "", "m"},
		},
		{
			name:  "content type forces JSON",
			value: ` {"msg":"m"}`,
			ctype: "application/json; charset=utf-8",
			want:  event{refTime, "UNKNOWN", "unknown", "", "m"},
		},
		{
			name:  "structured suffix",
			value: `{"msg":"m"}`,
			ctype: "application/vnd.acme.log+json",
			want:  event{refTime, "UNKNOWN", "unknown", "", "m"},
		},
	})
}

func TestDecodeLogfmt(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "go-kit",
			value: `ts=2026-11-26T10:00:00.5Z level=warn msg="quoted \"text\"" service=api host=web-1`,
			want:  event{"2026-11-26T10:00:00.5Z", "WARN", "api", "web-1", `quoted "text"`},
		},
		{
			name:  "logrus",
			value: `time="2026-11-26 10:00:00" level=error msg="disk full" app=store`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "store", "", "disk full"},
		},
		{
			name:  "escapes",
			value: `level=info msg="a\\b\tc\u00e9\ud83d\ude00\q"`,
			want:  event{refTime, "INFO", "unknown", "", "a\\b\tcé😀\\q"},
		},
		{
			name:  "no message key: the line is the message",
			value: `level=E user=bob took=3ms`,
			want:  event{refTime, "ERROR", "unknown", "", "level=E user=bob took=3ms"},
		},
		{
			name:  "unix ms",
			value: `ts=1700000000123 lvl=dbg msg=hi`,
			want:  event{"2023-11-14T22:13:20.123Z", "DEBUG", "unknown", "", "hi"},
		},
		{
			name:  "empty quoted message",
			value: `msg="" level=info`,
			want:  event{refTime, "INFO", "unknown", "", ""},
		},
		{
			name:  "forced: bare keys allowed",
			value: `level=warn cached msg=hit`,
			ctype: "text/logfmt",
			want:  event{refTime, "WARN", "unknown", "", "hit"},
		},
		{
			name:  "without a level or message key it is text",
			value: `user=bob took=3ms`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "user=bob took=3ms"},
		},
		{
			name:  "text/plain keeps it text, which still reads the pairs",
			value: `level=warn msg=m`,
			ctype: "text/plain",
			want:  event{refTime, "WARN", "unknown", "", "m"},
		},
	})
}

func TestDecodeService(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	runDecodeCases(t, []decodeCase{
		{name: "key", value: "x", key: "svc", want: event{refTime, "UNKNOWN", "svc", "", "x"}},
		{name: "key trimmed", value: "x", key: " svc\n", want: event{refTime, "UNKNOWN", "svc", "", "x"}},
		{name: "binary key", value: "x", key: "\xff\x00", want: event{refTime, "UNKNOWN", "unknown", "", "x"}},
		{name: "blank key", value: "x", key: " ", want: event{refTime, "UNKNOWN", "unknown", "", "x"}},
		{name: "pipe in key", value: "x", key: "a|b", want: event{refTime, "UNKNOWN", "a_b", "", "x"}},
		{
			name:  "cut on a rune boundary",
			value: `{"service":"` + long + `"}`,
			want:  event{refTime, "UNKNOWN", long[:128], "", ""},
		},
		{
			name:  "C1 control characters",
			value: `{"service":"a\u0085b"}`,
			want:  event{refTime, "UNKNOWN", "a_b", "", ""},
		},
		// The view's name for the services past the cap (OverflowService).
		{name: "overflow name", value: `{"service":" _overflow "}`, want: event{refTime, "UNKNOWN", "_overflow_", "", ""}},
		{name: "overflow name in key", value: "x", key: "_overflow", want: event{refTime, "UNKNOWN", "_overflow_", "", "x"}},
		{name: "overflow prefix", value: `{"service":"\u0000of|1"}`, want: event{refTime, "UNKNOWN", "_of_1", "", ""}},
	})
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		ts       string // "-" for none
		ctype    string
		maxBytes int
		reason   string
		msg      string // a part of the message
	}{
		{name: "empty", value: "", reason: ReasonEmpty},
		{name: "blank", value: " \r\n\t", reason: ReasonEmpty},
		{name: "too large", value: "0123456789x", maxBytes: 10, reason: ReasonTooLarge, msg: "11 bytes"},
		{name: "too large before blank", value: strings.Repeat(" ", 11), maxBytes: 10, reason: ReasonTooLarge},
		{name: "JSON syntax", value: `{"msg":`, reason: ReasonInvalidJSON},
		{name: "JSON trailing data", value: `{"msg":"m"} {}`, reason: ReasonInvalidJSON},
		{name: "JSON array", value: `[1,2]`, ctype: "application/json", reason: ReasonInvalidJSON, msg: "an array, want an object"},
		{name: "JSON string", value: `"hello"`, ctype: "application/json", reason: ReasonInvalidJSON, msg: "a string"},
		{name: "JSON forced on text", value: `hello`, ctype: "application/json", reason: ReasonInvalidJSON},
		{name: "invalid UTF-8", value: "ERROR caf\xe9", reason: ReasonInvalidUTF8},
		{name: "invalid UTF-8 in JSON", value: "{\"msg\":\"caf\xe9\"}", reason: ReasonInvalidUTF8},
		{name: "NUL", value: "ERROR a\x00b", reason: ReasonInvalidUTF8, msg: "0x00"},
		{name: "binary", value: "\x01\x02\x03\x04", reason: ReasonInvalidUTF8},
		{name: "DEL in logfmt", value: "level=info msg=\x7f", reason: ReasonInvalidUTF8},
		{name: "before 1970", value: `{"ts":"1969-12-31T23:59:59Z"}`, reason: ReasonBadTimestamp, msg: "before 1970"},
		{name: "negative unix time", value: `{"ts":-5}`, reason: ReasonBadTimestamp},
		{name: "text before 1970", value: `1969-07-20T20:17:40Z INFO landed`, reason: ReasonBadTimestamp},
		{name: "in the future", value: `{"ts":"2026-11-27T12:00:01Z"}`, reason: ReasonBadTimestamp, msg: "after the record timestamp"},
		{name: "future text", value: `2030-01-01 00:00:00 INFO x`, reason: ReasonBadTimestamp},
		{name: "no time at all", value: `ERROR disk full`, ts: "-", reason: ReasonBadTimestamp, msg: "no timestamp"},
		{name: "record before 1970", value: `ERROR disk full`, ts: "1969-01-01T00:00:00Z", reason: ReasonBadTimestamp},
		{name: "unreadable JSON time", value: `{"ts":"yesterday"}`, reason: ReasonBadTimestamp, msg: `"ts": unreadable timestamp "yesterday"`},
		{name: "JSON time of the wrong type", value: `{"time":true}`, reason: ReasonBadTimestamp, msg: "a boolean"},
		{name: "unreadable logfmt time", value: `ts=soon level=info`, reason: ReasonBadTimestamp},
		{name: "unix time out of range", value: `{"ts":99999999999999999999}`, reason: ReasonBadTimestamp},
		{name: "forced logfmt, broken", value: `level=info msg="unterminated`, ctype: "text/logfmt", reason: ReasonUndecodable, msg: "unterminated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Record{Value: []byte(tt.value), ContentType: tt.ctype}
			switch tt.ts {
			case "":
				r.Timestamp = rfc3339(t, refTime)
			case "-":
			default:
				r.Timestamp = rfc3339(t, tt.ts)
			}
			ev, err := Decode(r, tt.maxBytes)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode(%q) = %+v, %v; want a *DecodeError", tt.value, ev, err)
			}
			if de.Reason != tt.reason || !strings.Contains(de.Msg, tt.msg) {
				t.Errorf("Decode(%q) = %q; want reason %q, message with %q", tt.value, err, tt.reason, tt.msg)
			}
			if diff := cmp.Diff(LogEvent{}, ev); diff != "" {
				t.Errorf("event with an error (-want +got):\n%s", diff)
			}
		})
	}
}
