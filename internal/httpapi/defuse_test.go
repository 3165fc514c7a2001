package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/view"
)

// TestCSVDefusesFormulas: log text that a spreadsheet would run as a
// formula gets a leading quote; numbers (negative ones too) stay numbers.
func TestCSVDefusesFormulas(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1+1": "'+1+1", "@SUM(A1)": "'@SUM(A1)",
		"-cmd": "'-cmd", "\tx": "'\tx", "-5": "-5", "+3.5": "+3.5", "plain": "plain", "": "",
	} {
		if got := defuse(in); got != want {
			t.Errorf("defuse(%q) = %q, want %q", in, got, want)
		}
	}
	src := testSource(t)
	src.addEvent(view.Event{Time: ts(t, "2024-05-01T12:30:10Z"), Level: codecs.LevelError, Service: "api", Message: "=cmd|' /C calc'!A0"})
	rec := serve(t, testHandler(t, src), "GET", "/v1/events?format=csv&from=2024-05-01T12:00:00Z&to=2024-05-01T13:00:00Z")
	if !strings.Contains(rec.Body.String(), `'=cmd|' /C calc'!A0`) {
		t.Errorf("CSV body %q: the formula message is not defused", rec.Body)
	}
}

// TestErrorLogRedactsToken: an internal error logs the query, never the
// API token in it.
func TestErrorLogRedactsToken(t *testing.T) {
	var buf bytes.Buffer
	h := New(Config{Source: panicSource{}, Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	rec := serve(t, h, "GET", "/v1/levels?access_token=s3cret-token&from=-1h")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500 from the broken source", rec.Code)
	}
	if strings.Contains(buf.String(), "s3cret-token") || !strings.Contains(buf.String(), "REDACTED") {
		t.Errorf("error log %q shows the token or lacks the redaction", buf.String())
	}
}
