package codecs

import (
	"testing"
	"time"
)

// TestDecodeEnvelopes decodes what syslog relays, container runtimes,
// journald and log shippers put on a topic, in samples written from each
// format's RFC or documentation.
func TestDecodeEnvelopes(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "RFC 5424 with structured data",
			value: `<11>1 2026-11-26T10:00:00.123Z web-1 billing 4321 ID47 [exampleSDID@32473 iut="3" eventSource="App\]"] payment failed`,
			want:  event{"2026-11-26T10:00:00.123Z", "ERROR", "billing", "web-1", "payment failed"},
		},
		{
			name:  "RFC 5424 notice, BOM, no structured data",
			value: "<165>1 2026-11-26T10:00:00Z mymachine.example.com evntslog - ID47 - \uFEFFAn application event",
			want:  event{"2026-11-26T10:00:00Z", "INFO", "evntslog", "mymachine.example.com", "An application event"},
		},
		{
			name:  "RFC 5424 nil values",
			value: `<15>1 - - - - - -`,
			want:  event{refTime, "DEBUG", "unknown", "", ""},
		},
		{
			name:  "RFC 3164",
			value: `<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8`,
			want:  event{"2026-10-11T22:14:15Z", "FATAL", "su", "mymachine", "'su root' failed for lonvick on /dev/pts/8"},
		},
		{
			name:  "RFC 3164 notice: the message's level",
			value: `<13>Nov 26 10:00:00 web-1 app[123]: ERROR disk full`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "app", "web-1", "disk full"},
		},
		{
			name:  "RFC 3164 notice without a level",
			value: `<13>Nov 26 10:00:00 web-1 app[123]: user logged in`,
			want:  event{"2026-11-26T10:00:00Z", "INFO", "app", "web-1", "user logged in"},
		},
		{
			name:  "rsyslog forward format",
			value: `<30>2026-11-26T10:00:00.123456+00:00 web-1 systemd[1]: Started Session 5.`,
			want:  event{"2026-11-26T10:00:00.123456Z", "INFO", "systemd", "web-1", "Started Session 5."},
		},
		{
			name:  "RFC 3164 without a host",
			value: `<11>Nov 26 10:00:00 app: boom`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "app", "", "boom"},
		},
		{
			name:  "not a PRI",
			value: `<192>Nov 26 10:00:00 web-1 app: x`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "<192>Nov 26 10:00:00 web-1 app: x"},
		},
		{
			name:  "Docker json-file",
			value: `{"log":"2026-11-26T09:59:59.5Z WARN low memory\n","stream":"stderr","time":"2026-11-26T10:00:00.123456789Z"}`,
			want:  event{"2026-11-26T10:00:00.123456789Z", "WARN", "unknown", "", "low memory"},
		},
		{
			name:  "Docker json-file: the envelope's time, not the line's without a zone",
			value: `{"log":"2026-11-26 05:00:00 ERROR x\n","stream":"stderr","time":"2026-11-26T10:00:00.123Z"}`,
			want:  event{"2026-11-26T10:00:00.123Z", "ERROR", "unknown", "", "x"},
		},
		{
			name:  "a shipper's event without a time: the line's",
			value: `{"message":"2026-11-26T09:00:00Z WARN x"}`,
			want:  event{"2026-11-26T09:00:00Z", "WARN", "unknown", "", "x"},
		},
		{
			name:  "a job's priority is no level",
			value: `{"msg":"job queued","priority":1}`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "job queued"},
		},
		{
			name:  "syslog info from a program's standard output: the line's level",
			value: `<30>Nov 26 10:00:00 web-1 myapp[1]: ERROR db down`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "myapp", "web-1", "db down"},
		},
		{
			name:  "Docker json-file, a line without a level",
			value: `{"log":"listening on :8080\n","stream":"stdout","time":"2026-11-26T10:00:00Z"}`,
			want:  event{"2026-11-26T10:00:00Z", "UNKNOWN", "unknown", "", "listening on :8080"},
		},
		{
			name:  "Docker fluentd driver",
			value: `{"container_id":"4c2b","container_name":"/web","source":"stdout","log":"INFO ready"}`,
			want:  event{refTime, "INFO", "web", "", "ready"},
		},
		{
			name:  "CRI",
			value: `2026-11-26T10:00:00.123456789Z stderr F 2026-11-26 09:59:59 ERROR db down`,
			want:  event{"2026-11-26T10:00:00.123456789Z", "ERROR", "unknown", "", "db down"},
		},
		{
			name:  "CRI with a JSON line",
			value: `2026-11-26T10:00:00+00:00 stdout F {"level":"warn","msg":"slow","service":"api"}`,
			want:  event{"2026-11-26T10:00:00Z", "WARN", "api", "", "slow"},
		},
		{
			name:  "journald JSON export",
			value: `{"__REALTIME_TIMESTAMP":"1795687200000000","PRIORITY":"3","SYSLOG_IDENTIFIER":"sshd","_HOSTNAME":"web-1","MESSAGE":"error: PAM: Authentication failure","_TRANSPORT":"syslog"}`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "sshd", "web-1", "error: PAM: Authentication failure"},
		},
		{
			name:  "journald: the source time first",
			value: `{"__REALTIME_TIMESTAMP":"1795687201000000","_SOURCE_REALTIME_TIMESTAMP":"1795687200000000","PRIORITY":"4","SYSLOG_IDENTIFIER":"kernel","MESSAGE":"x"}`,
			want:  event{"2026-11-26T10:00:00Z", "WARN", "kernel", "", "x"},
		},
		{
			name:  "journald: standard output's default priority yields",
			value: `{"PRIORITY":"6","MESSAGE":"WARN cache cold","SYSLOG_IDENTIFIER":"api","_TRANSPORT":"stdout"}`,
			want:  event{refTime, "WARN", "api", "", "cache cold"},
		},
		{
			name:  "GELF",
			value: `{"version":"1.1","host":"example.org","short_message":"A short message","full_message":"Backtrace here","level":4,"timestamp":1795687200.5,"_container_name":"/billing"}`,
			want:  event{"2026-11-26T10:00:00.5Z", "WARN", "billing", "example.org", "A short message"},
		},
		{
			name:  "Fluent Bit with the kubernetes filter",
			value: `{"date":1795687200.123,"log":"2026-11-26T10:00:00Z ERROR boom\n","stream":"stderr","time":"2026-11-26T10:00:00.123Z","kubernetes":{"pod_name":"api-7d9f","namespace_name":"shop","labels":{"app":"x","app.kubernetes.io/name":"checkout"},"container_name":"api","host":"node-1"}}`,
			want:  event{"2026-11-26T10:00:00.123Z", "ERROR", "checkout", "", "boom"},
		},
		{
			name:  "Filebeat (ECS)",
			value: `{"@timestamp":"2026-11-26T10:00:01.000Z","message":"[2026-11-26 10:00:00,123] WARN [Log partition=t-0] slow (kafka.log.Log)","log":{"offset":123,"file":{"path":"/var/log/kafka/server.log"}},"input":{"type":"filestream"},"host":{"name":"broker-1"},"agent":{"type":"filebeat","version":"8.15.0"},"ecs":{"version":"8.0.0"},"container":{"name":"kafka"}}`,
			want:  event{"2026-11-26T10:00:01Z", "WARN", "kafka", "broker-1", "[Log partition=t-0] slow (kafka.log.Log)"},
		},
		{
			name:  "Filebeat on Kubernetes",
			value: `{"@timestamp":"2026-11-26T10:00:00.000Z","message":"E1126 10:00:00.000000 1 main.go:1] boom","kubernetes":{"labels":{"app_kubernetes_io/name":"ingress"},"container":{"name":"controller"}}}`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "ingress", "", "boom"},
		},
		{
			name:  "Vector kubernetes_logs",
			value: `{"file":"/var/log/pods/shop_orders-1/api/0.log","kubernetes":{"container_name":"api","pod_labels":{"app":"orders"},"pod_name":"orders-1","pod_namespace":"shop"},"message":"level=error msg=\"db timeout\"","source_type":"kubernetes_logs","stream":"stderr","timestamp":"2026-11-26T10:00:00.5Z"}`,
			want:  event{"2026-11-26T10:00:00.5Z", "ERROR", "orders", "", "db timeout"},
		},
		{
			name:  "Logstash",
			value: `{"@timestamp":"2026-11-26T10:00:00.000Z","@version":"1","message":"<E> boom","host":{"name":"web-1"},"path":"/var/log/app.log"}`,
			want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "web-1", "boom"},
		},
		{
			name:  "an envelope's own level wins",
			value: `{"level":"info","message":"ERROR: counted as errors so far: 3"}`,
			want:  event{refTime, "INFO", "unknown", "", "ERROR: counted as errors so far: 3"},
		},
	})
}

// TestCRIParts: the tag of a CRI line says whether more parts follow.
func TestCRIParts(t *testing.T) {
	for _, tt := range []struct {
		line string
		want Part
	}{
		{"2026-11-26T10:00:00Z stdout P ERROR a long li", PartStdoutPartial},
		{"2026-11-26T10:00:00Z stdout F ne ends here", PartStdoutFinal},
		{"2026-11-26T10:00:00Z stderr P x", PartStderrPartial},
		{"2026-11-26T10:00:00Z stderr F", PartStderrFinal},
		{"2026-11-26T10:00:00Z ERROR x", PartWhole},
		{"2026-11-26T10:00:00Z stdin F x", PartWhole},
	} {
		ev, err := Decode(Record{Value: []byte(tt.line), Timestamp: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}, 0)
		if err != nil || ev.Part != tt.want {
			t.Errorf("Decode(%q): part %d, %v; want part %d", tt.line, ev.Part, err, tt.want)
		}
	}
}

// TestDecodeMongoJSON: MongoDB 4.4 on writes structured JSON whose short
// keys count only in MongoDB's shape.
func TestDecodeMongoJSON(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{
			name:  "MongoDB 4.4",
			value: `{"t":{"$date":"2026-11-26T10:00:00.724+00:00"},"s":"W","c":"NETWORK","id":23285,"ctx":"main","msg":"slow"}`,
			want:  event{"2026-11-26T10:00:00.724Z", "WARN", "unknown", "", "slow"},
		},
		{
			name:  "MongoDB debug level",
			value: `{"t":{"$date":"2026-11-26T10:00:00Z"},"s":"D2","c":"QUERY","msg":"plan"}`,
			want:  event{"2026-11-26T10:00:00Z", "DEBUG", "unknown", "", "plan"},
		},
		{
			name:  "short keys of another shape say nothing",
			value: `{"t":5,"s":"hello","msg":"x"}`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "x"},
		},
		{
			name:  "logfmt t and s are not MongoDB's",
			value: `t=5 s=E msg=x`,
			want:  event{refTime, "UNKNOWN", "unknown", "", "x"},
		},
	})
}

// TestCRIPartOfAJSONLine: the first part of a long JSON line that a
// runtime split does not parse, but its level is near the start.
func TestCRIPartOfAJSONLine(t *testing.T) {
	runDecodeCases(t, []decodeCase{{
		name:  "CRI P part of a JSON line",
		value: `2026-11-26T10:00:00Z stdout P {"level":"error","msg":"a stack trace that goes on and on`,
		want:  event{"2026-11-26T10:00:00Z", "ERROR", "unknown", "", `{"level":"error","msg":"a stack trace that goes on and on`},
	}})
}
