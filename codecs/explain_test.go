package codecs

import (
	"strings"
	"testing"
	"time"
)

// TestExplain: each kind of rule is named in the explanation.
func TestExplain(t *testing.T) {
	ref := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		value, key                 string
		format, level, tm, service string // substrings
	}{
		{`{"ts":"2026-11-26T10:00:00Z","severity":"warn","app":"api"}`, "", "json", `field "severity"`, `field "ts"`, `field "app"`},
		{`2026-11-26 10:00:00,123 [WARN ] pool low`, "k", "text", "bracketed", `timestamp "2026-11-26 10:00:00,123"`, "record key"},
		{`2026-11-26T10:00:00Z I NETWORK [conn1] x`, "", "text", "letter column", "timestamp", "unknown"},
		{`<13>Nov 26 10:00:00 web-1 app[1]: ERROR disk`, "", "syslog RFC 3164", "syslog severity 5 (notice) (a default), then the message: upper-case word", `timestamp "Nov 26 10:00:00"`, "syslog TAG"},
		{`just words`, "", "text", "no level found", "the record timestamp", "unknown"},
		{`{"log":"WARN x\n","stream":"stderr","kubernetes":{"labels":{"app":"cart"}}}`, "", "json", "message: upper-case word", "record timestamp", "kubernetes label app"},
	} {
		_, ex, err := Explain(Record{Value: []byte(tt.value), Key: []byte(tt.key), Timestamp: ref}, 0)
		if err != nil || len(ex) != 1 {
			t.Fatalf("Explain(%q): %v, %v", tt.value, ex, err)
		}
		e := ex[0]
		for _, c := range [][2]string{{e.Format, tt.format}, {e.Level, tt.level}, {e.Time, tt.tm}, {e.Service, tt.service}} {
			if !strings.Contains(c[0], c[1]) {
				t.Errorf("Explain(%q) = %+v: %q does not say %q", tt.value, e, c[0], c[1])
			}
		}
	}
}
