package codecs

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// levelsDir holds real lines of well-known servers with their true level
// (see the README there), beside the checkout as in CI.
const levelsDir = "../../shared/corpus/levels"

// TestLevelsCorpus decodes every line of every format in the levels corpus
// as a record without a content type, as the pipeline would, and wants the
// line's true level for at least 99% of the lines of each format, and no
// line rejected.
func TestLevelsCorpus(t *testing.T) {
	dir := corpusDir(t, "LOGPULSE_LEVELS_DIR", levelsDir)
	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no *.log in the levels corpus at %s: %v", dir, err)
	}
	// A record timestamp in a later year than every line: lines without a
	// year must still land before it.
	ref := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for _, path := range logs {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			lines := readLines(t, path)
			want := readLines(t, strings.TrimSuffix(path, ".log")+".levels")
			if len(lines) != len(want) {
				t.Fatalf("%d lines, %d levels", len(lines), len(want))
			}
			ok := 0
			for i, line := range lines {
				wl, known := LevelByName(strings.TrimSpace(want[i]))
				if !known {
					t.Fatalf("line %d: unknown true level %q", i+1, want[i])
				}
				ev, err := Decode(Record{Value: []byte(line), Timestamp: ref}, 0)
				switch {
				case err != nil:
					t.Errorf("line %d: %v: %s", i+1, err, line)
				case ev.Level == wl:
					ok++
				default:
					t.Logf("line %d: level %s, want %s: %s", i+1, ev.Level, wl, line)
				}
			}
			acc := float64(ok) / float64(len(lines))
			t.Logf("level accuracy %.1f%% (%d/%d)", 100*acc, ok, len(lines))
			if acc < 0.99 {
				t.Errorf("level accuracy %.1f%%, want at least 99%%", 100*acc)
			}
		})
	}
}
