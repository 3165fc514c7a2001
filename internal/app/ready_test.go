package app

import (
	"errors"
	"testing"
)

// TestReadiness: /readyz is ready only when every stage's gate is open and
// its check passes, and names the first stage that is not; a stage whose
// runner returned (restarting) is not ready again.
func TestReadiness(t *testing.T) {
	var r readiness
	broker := r.gate("broker")
	view := r.gate("view is recovering the aggregate table")
	ingest := r.gate("ingest is not running")
	recovered := false
	var writeErr error

	want := func(step, msg string) {
		t.Helper()
		err := r.err()
		switch {
		case msg == "" && err != nil:
			t.Errorf("%s: not ready (%v), want ready", step, err)
		case msg != "" && (err == nil || err.Error() != msg):
			t.Errorf("%s: readiness %v, want %q", step, err, msg)
		}
	}
	want("nothing started", "broker")
	broker.open(func() error { return writeErr })
	want("broker up", "view is recovering the aggregate table")
	view.openWhen(func() bool { return recovered })
	want("view recovering", "view is recovering the aggregate table")
	recovered = true
	ingest.open(nil)
	want("all up", "")
	writeErr = errors.New("segment 7: no space left on device")
	want("broker cannot write", "segment 7: no space left on device")
	writeErr = nil
	ingest.shut()
	want("ingest restarting", "ingest is not running")
	ingest.open(nil)
	want("ingest back", "")
}
