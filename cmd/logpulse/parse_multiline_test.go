package main

import (
	"strings"
	"testing"
)

// TestParseMultiline: without --multiline, one answer per input line, so any
// single line can be checked; with it, one per event, an error numbered by
// the event's first line.
func TestParseMultiline(t *testing.T) {
	in := strings.Join(append(javaException(),
		`{"level":"info","msg":`, // line 11: broken JSON, continued by line 12
		`  "never closed`,
		"2024-05-01 12:00:01,000 INFO [main] c.e.Api: next",
	), "\n") + "\n"

	out, _, err := runParse(t, in)
	if got := outputLines(t, out); len(got) != 13 {
		t.Errorf("without --multiline: %d answers, want one per line, 13:\n%s", len(got), out)
	}
	if err == nil {
		t.Error("without --multiline: err = nil, want line 11 reported")
	}

	out, _, err = runParse(t, in, "--multiline")
	if err == nil || !strings.Contains(err.Error(), "1 of 3 events cannot be decoded") {
		t.Errorf("err = %v, want 1 of 3 events cannot be decoded", err)
	}
	got := outputLines(t, out)
	if len(got) != 3 {
		t.Fatalf("%d answers, want 3 events:\n%s", len(got), out)
	}
	if got[0]["level"] != "ERROR" || got[0]["timestamp"] != "2024-05-01T12:00:00.123Z" ||
		!strings.Contains(got[0]["message"].(string), "request failed") {
		t.Errorf("the exception's answer is %v, want the ERROR of its first line", got[0])
	}
	if e, _ := got[1]["error"].(string); got[1]["line"] != 11.0 || !strings.HasPrefix(e, "invalid_json") {
		t.Errorf("the broken event's answer is %v, want invalid_json at line 11", got[1])
	}
	if got[2]["level"] != "INFO" {
		t.Errorf("the last answer is %v, want the INFO line", got[2])
	}

	out, _, _ = runParse(t, in, "--multiline", "--summary")
	if !strings.Contains(out, "EVENTS") || !strings.Contains(out, "total    3") {
		t.Errorf("--summary counts events:\n%s", out)
	}
}

// TestParseMultilineMaxLines: the bound produce applies cuts an event the
// same way here.
func TestParseMultilineMaxLines(t *testing.T) {
	in := strings.Join(javaException(), "\n")
	out, _, _ := runParse(t, in, "--multiline", "--multiline-max-lines", "4")
	if got := outputLines(t, out); len(got) != 3 {
		t.Errorf("%d answers for 10 lines at most 4 per event, want 3:\n%s", len(got), out)
	}
}
