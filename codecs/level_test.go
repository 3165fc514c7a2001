package codecs

import "testing"

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		ok   bool
	}{
		{"TRACE", LevelTrace, true},
		{"finest", LevelTrace, true},
		{"FINER", LevelTrace, true},
		{"verbose", LevelTrace, true},
		{"v", LevelTrace, true},
		{"trc", LevelTrace, true},
		{"debug", LevelDebug, true},
		{"DBG", LevelDebug, true},
		{"fine", LevelDebug, true},
		{"CONFIG", LevelDebug, true},
		{"D", LevelDebug, true},
		{"info", LevelInfo, true},
		{"Information", LevelInfo, true},
		{"informational", LevelInfo, true},
		{"notice", LevelInfo, true},
		{"I", LevelInfo, true},
		{"INF", LevelInfo, true},
		{"warn", LevelWarn, true},
		{"WARNING", LevelWarn, true},
		{"w", LevelWarn, true},
		{"WRN", LevelWarn, true},
		{"error", LevelError, true},
		{"ERR", LevelError, true},
		{"SEVERE", LevelError, true},
		{"e", LevelError, true},
		{"eror", LevelError, true},
		{"fatal", LevelFatal, true},
		{"crit", LevelFatal, true},
		{"CRITICAL", LevelFatal, true},
		{"alert", LevelFatal, true},
		{"emerg", LevelFatal, true},
		{"EMERGENCY", LevelFatal, true},
		{"panic", LevelFatal, true},
		{"F", LevelFatal, true},
		{" warn\t", LevelWarn, true},
		{"", LevelUnknown, false},
		{"unknown", LevelUnknown, false},
		{"warnings", LevelUnknown, false},
		{"3", LevelUnknown, false}, // numbers are levelValue's, in a level field
		{"informationalxxxxxx", LevelUnknown, false},
		{"İNFO", LevelUnknown, false},
	}
	for _, tt := range tests {
		got, ok := ParseLevel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseLevelCanonical checks that every canonical name reads back, so
// String and ParseLevel cannot drift apart.
func TestParseLevelCanonical(t *testing.T) {
	for _, l := range Levels()[1:] {
		if got, ok := ParseLevel(l.String()); got != l || !ok {
			t.Errorf("ParseLevel(%q) = %v, %v", l.String(), got, ok)
		}
	}
}

func TestLevelValue(t *testing.T) {
	tests := []struct {
		in   string
		want Level
	}{
		{"warn", LevelWarn},
		{"10", LevelTrace},
		{"20", LevelDebug},
		{"30", LevelInfo},
		{"40", LevelWarn},
		{"50", LevelError},
		{"60", LevelFatal},
		{"35", LevelUnknown},
		{"0", LevelFatal}, // syslog severities: GELF, journald
		{"2", LevelFatal},
		{"3", LevelError},
		{"4", LevelWarn},
		{"5", LevelInfo},
		{"6", LevelInfo},
		{"7", LevelDebug},
		{"8", LevelUnknown},
		{"-1", LevelUnknown},
		{"loud", LevelUnknown},
	}
	for _, tt := range tests {
		if got := levelValue(tt.in); got != tt.want {
			t.Errorf("levelValue(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func BenchmarkParseLevel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ParseLevel("Warning")
	}
}
