package integration

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestEnvelopesCountExactly: what shippers put on the topic counts as the
// events it holds, through the whole pipeline: an OTLP export with three
// log records counts three, a line a container runtime split into three
// CRI parts counts once (its parts under one key, so in order on one
// partition), and syslog, journald and GELF records count with their own
// level and service.
func TestEnvelopesCountExactly(t *testing.T) {
	n := startRun(t, t.TempDir(), freeAddr(t))
	base := testBase()
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	rfc := func(m int) string { return at(m).Format(time.RFC3339Nano) }
	otlp := fmt.Sprintf(`{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"otel-svc"}}]},`+
		`"scopeLogs":[{"scope":{"name":"app"},"logRecords":[`+
		`{"timeUnixNano":"%d","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"payment failed"}},`+
		`{"timeUnixNano":"%d","severityNumber":13,"body":{"stringValue":"slow"}},`+
		`{"timeUnixNano":"%d","body":{"stringValue":"INFO started"}}]}]}]}`,
		at(1).UnixNano(), at(1).UnixNano(), at(2).UnixNano())
	rec := func(key, value string, m int) *kgo.Record {
		return &kgo.Record{Topic: n.topics.Logs, Key: []byte(key), Value: []byte(value), Timestamp: at(m)}
	}
	recs := []*kgo.Record{
		rec("", otlp, 2),
		rec("pod-1", rfc(3)+" stderr P ERROR a line the runtime split", 3),
		rec("pod-1", rfc(3)+" stderr P  into three parts,", 3),
		rec("pod-1", rfc(3)+" stderr F  counted once", 3),
		rec("pod-1", rfc(4)+" stdout F WARN a whole line", 4),
		rec("", fmt.Sprintf("<11>1 %s web-1 billing 42 - - card declined", rfc(5)), 5),
		rec("", fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","PRIORITY":"4","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"slow auth"}`, at(6).UnixMicro()), 6),
		rec("", fmt.Sprintf(`{"version":"1.1","host":"h","short_message":"boom","level":3,"timestamp":%d,"_container_name":"/gelfapp"}`, at(7).Unix()), 7),
	}
	produceSync(t, n.producer(), recs)
	n.settle(base, base.Add(time.Hour), 8)

	want := map[string]map[string]int64{
		"otel-svc": {"ERROR": 1, "WARN": 1, "INFO": 1},
		"pod-1":    {"ERROR": 1, "WARN": 1},
		"billing":  {"ERROR": 1},
		"sshd":     {"WARN": 1},
		"gelfapp":  {"ERROR": 1},
	}
	for service, w := range want {
		s, err := n.levels(base, base.Add(time.Hour), service)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, counts := range s {
			for l, c := range counts {
				if c != 0 {
					got[l] += c
				}
			}
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("service %s, counts per level (-want +got):\n%s", service, diff)
		}
	}
}
