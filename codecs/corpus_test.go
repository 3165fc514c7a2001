package codecs

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loghubDir is where the loghub samples sit beside the checkout, as in CI.
// Their licence (research and academic use) keeps them out of this
// repository, so the test reads them in place; LOGPULSE_LOGHUB_DIR points
// elsewhere.
const loghubDir = "../../shared/corpus/loghub"

// TestLoghubCorpus decodes every line of the loghub samples as a text
// record and checks its level and time against the collection's
// hand-checked parse (*_structured.csv).
func TestLoghubCorpus(t *testing.T) {
	dir := corpusDir(t, "LOGPULSE_LOGHUB_DIR", loghubDir)
	// A record timestamp after every line, so lines without a year are
	// not the ones the test exercises; every corpus line carries a year.
	ref := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		file string
		// layout reads the CSV's Date and Time columns, joined by a space:
		// an oracle for the time that does not share Decode's code.
		layout string
		// minLevel is the share of lines whose level must match,
		// measured: every line of these files has a level column.
		minLevel float64
	}{
		{"HDFS_2k.log", "060102 150405", 1},
		{"Hadoop_2k.log", "2006-01-02 15:04:05,000", 1},
		{"OpenStack_2k.log", "2006-01-02 15:04:05.000", 1},
		{"Spark_2k.log", "06/01/02 15:04:05", 1},
		{"Zookeeper_2k.log", "2006-01-02 15:04:05,000", 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			want := readStructured(t, filepath.Join(dir, tt.file+"_structured.csv"), tt.layout)
			lines := readLines(t, filepath.Join(dir, tt.file))
			if len(lines) != len(want) {
				t.Fatalf("%d lines, %d rows in the structured CSV", len(lines), len(want))
			}
			levelOK, timeOK := 0, 0
			for i, line := range lines {
				r := Record{Value: []byte(line), Timestamp: ref, ContentType: "text/plain"}
				ev, err := Decode(r, 0)
				if err != nil {
					t.Errorf("line %d: %v", i+1, err)
					continue
				}
				// Without the content type, format detection must come to
				// the same event.
				r.ContentType = ""
				if detected, err := Decode(r, 0); err != nil || !sameEvent(ev, detected) {
					t.Errorf("line %d: detected %+v, %v; as text %+v", i+1, detected, err, ev)
				}
				if ev.Level == want[i].level {
					levelOK++
				} else if testing.Verbose() {
					t.Logf("line %d: level %s, want %s: %s", i+1, ev.Level, want[i].level, line)
				}
				if !strings.HasSuffix(ev.Message, want[i].content) {
					t.Errorf("line %d: message %q does not end in the content %q", i+1, ev.Message, want[i].content)
				}
				if ev.Time.Equal(want[i].time) {
					timeOK++
				} else {
					t.Errorf("line %d: time %s, want %s: %s", i+1, ev.Time.Format(time.RFC3339Nano), want[i].time.Format(time.RFC3339Nano), line)
				}
			}
			acc := float64(levelOK) / float64(len(lines))
			t.Logf("level accuracy %.2f%% (%d/%d), time %d/%d", 100*acc, levelOK, len(lines), timeOK, len(lines))
			if acc < tt.minLevel {
				t.Errorf("level accuracy %.2f%%, want at least %.2f%%", 100*acc, 100*tt.minLevel)
			}
		})
	}
}

// corpusDir is the folder of a corpus beside the checkout, or where the
// environment variable env points; the test skips when it is absent.
func corpusDir(tb testing.TB, env, def string) string {
	tb.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		dir = def
	}
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("corpus not found at %s (set %s): %v", dir, env, err)
	}
	return dir
}

type structuredLine struct {
	level   Level
	time    time.Time
	content string
}

// readStructured reads the level and time of each line, in line order, from
// a loghub *_structured.csv.
func readStructured(tb testing.TB, path, layout string) []structuredLine {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	col := make(map[string]int)
	for i, name := range rows[0] {
		col[name] = i
	}
	var out []structuredLine
	for _, row := range rows[1:] {
		id, err := strconv.Atoi(row[col["LineId"]])
		if err != nil || id != len(out)+1 {
			tb.Fatalf("%s: LineId %q out of order", path, row[col["LineId"]])
		}
		l, ok := ParseLevel(row[col["Level"]])
		if !ok {
			tb.Fatalf("%s: line %d: unknown level %q", path, id, row[col["Level"]])
		}
		ts, err := time.Parse(layout, row[col["Date"]]+" "+row[col["Time"]])
		if err != nil {
			tb.Fatalf("%s: line %d: %v", path, id, err)
		}
		out = append(out, structuredLine{level: l, time: ts, content: row[col["Content"]]})
	}
	return out
}

func readLines(tb testing.TB, path string) []string {
	tb.Helper()
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	var lines []string
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return lines
}
