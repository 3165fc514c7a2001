package main

import "testing"

// TestParseExplain: --explain names the rules behind each event's level,
// time and service; without it the output has no "explain".
func TestParseExplain(t *testing.T) {
	in := "<11>1 2026-11-26T10:00:00Z web-1 billing 42 - - payment failed\n" +
		`{"ts":"2026-11-26T10:00:00Z","severity":"warn","msg":"slow"}` + "\n"
	out, _, err := runParse(t, in, "--explain")
	if err != nil {
		t.Fatal(err)
	}
	got := outputLines(t, out)
	want := []map[string]string{
		{"format": "syslog RFC 5424", "level": "syslog severity 3 (err)", "time": "syslog TIMESTAMP", "service": "syslog APP-NAME"},
		{"format": "json", "level": `field "severity"`, "time": `field "ts"`, "service": "none in the payload and no record key: unknown"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		ex, _ := got[i]["explain"].(map[string]any)
		for k, v := range w {
			if ex[k] != v {
				t.Errorf("line %d: explain[%q] = %v, want %q", i+1, k, ex[k], v)
			}
		}
	}
	out, _, err = runParse(t, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range outputLines(t, out) {
		if _, ok := m["explain"]; ok {
			t.Errorf("explain without --explain: %v", m)
		}
	}
}
