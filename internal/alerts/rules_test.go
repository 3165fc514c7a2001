package alerts

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
)

func TestLoadExampleRules(t *testing.T) {
	rules, err := LoadRules(filepath.Join("testdata", "rules.yaml"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ef := []codecs.Level{codecs.LevelError, codecs.LevelFatal}
	want := []Rule{
		{Name: "error-ratio", Levels: ef, Over: 5 * time.Minute, For: 1, Ratio: ptr(0.05), MinEvents: 20},
		{Name: "error-spike", Levels: ef, Over: time.Minute, For: 1, Spike: &Spike{Z: 3, Lookback: 30, MinCount: 10}},
		{Name: "checkout-warnings", Service: "checkout", Levels: []codecs.Level{codecs.LevelWarn}, Over: 10 * time.Minute,
			For: 2, Count: ptr[int64](100)},
		{Name: "fatal", Levels: []codecs.Level{codecs.LevelFatal}, Over: time.Minute, For: 1, Count: ptr[int64](0)},
	}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The defaults are the example's first two rules.
	def, err := prepare(DefaultRules(time.Minute), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:2], def); diff != "" {
		t.Errorf("DefaultRules (-example +defaults):\n%s", diff)
	}
}

func TestParseJSON(t *testing.T) {
	rules, err := ParseRules([]byte(`{"rules": [{"name": "r", "levels": ["error"], "over": "2m", "ratio": 0.1},
		{"name": "s", "spike": {"lookback": 10}}]}`), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Name: "r", Levels: []codecs.Level{codecs.LevelError}, Over: 2 * time.Minute, For: 1, Ratio: ptr(0.1), MinEvents: DefaultMinEvents},
		{Name: "s", Levels: defaultLevels(), Over: time.Minute, For: 1, Spike: &Spike{Z: 3, Lookback: 10, MinCount: 10}},
	}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseEmptyList(t *testing.T) {
	for _, doc := range []string{"rules: []", "rules:", `{"rules": []}`} {
		rules, err := ParseRules([]byte(doc), time.Minute)
		if err != nil || len(rules) != 0 {
			t.Errorf("%q: %v, %v; want no rules and no error", doc, rules, err)
		}
	}
}

// Every bad rules file gets an error that names the rule and what to fix.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string // substrings of the error
	}{
		{"empty document", "", []string{`want a "rules:" list`}},
		{"not a mapping", "- name: x", []string{`"rules:" list`}},
		{"unknown top-level field", "rule:\n  - name: x", []string{`unknown field "rule"`}},
		{"rules twice", "rules: []\nrules: []", []string{`"rules" is set twice`}},
		{"rules not a list", "rules: {name: x}", []string{"rules must be a list"}},
		{"unknown field", "rules:\n  - name: x\n    count: 1\n    treshold: 3", []string{`rule "x"`, `unknown field "treshold"`, "line 4"}},
		{"unknown field, no name", "rules:\n  - count: 1\n    nmae: x", []string{"rule #1", `unknown field "nmae"`}},
		{"unknown spike field", "rules:\n  - name: s\n    spike: {zscore: 3}", []string{`rule "s"`, `spike`, `unknown field "zscore"`}},
		{"field twice", "rules:\n  - name: x\n    count: 1\n    count: 2", []string{`rule "x"`, `"count" is set twice`}},
		{"no value", "rules:\n  - name: x\n    count:", []string{`rule "x"`, `"count" has no value`}},
		{"two conditions", "rules:\n  - name: x\n    count: 1\n    ratio: 0.1", []string{`rule "x"`, "exactly one condition", "found 2"}},
		{"no condition", "rules:\n  - name: x\n    over: 5m", []string{`rule "x"`, "exactly one condition", "found 0"}},
		{"no name", "rules:\n  - count: 1", []string{"needs a name"}},
		{"name with a bar", "rules:\n  - name: a|b\n    count: 1", []string{`rule "a|b"`, "'|'"}},
		{"duplicate name", "rules:\n  - name: x\n    count: 1\n  - name: x\n    count: 2", []string{`rule "x"`, "used twice"}},
		{"bad level", "rules:\n  - name: x\n    levels: [ERROR, WARNING]\n    count: 1", []string{`rule "x"`, `unknown level "WARNING"`}},
		{"level twice", "rules:\n  - name: x\n    levels: [ERROR, error]\n    count: 1", []string{`rule "x"`, "ERROR is listed twice"}},
		{"empty levels", "rules:\n  - name: x\n    levels: []\n    count: 1", []string{`rule "x"`, "levels is empty"}},
		{"over not a multiple", "rules:\n  - name: x\n    over: 90s\n    count: 1", []string{`rule "x": over 1m30s is not a multiple of the 1m window`}},
		{"over not a duration", "rules:\n  - name: x\n    over: 5\n    count: 1", []string{`rule "x"`, `over "5"`, "duration"}},
		{"over zero", "rules:\n  - name: x\n    over: 0s\n    count: 1", []string{`rule "x"`, "over must be positive"}},
		{"over negative", "rules:\n  - name: x\n    over: -5m\n    count: 1", []string{`rule "x"`, "negative"}},
		{"ratio zero", "rules:\n  - name: x\n    ratio: 0", []string{`rule "x"`, "outside (0, 1]"}},
		{"ratio above one", "rules:\n  - name: x\n    ratio: 1.5", []string{`rule "x"`, "ratio 1.5 is outside (0, 1]"}},
		{"percent above 100", "rules:\n  - name: x\n    ratio: 150%", []string{`rule "x"`, "outside (0, 1]"}},
		{"ratio not a number", "rules:\n  - name: x\n    ratio: lots", []string{`rule "x"`, `ratio "lots"`}},
		{"count negative", "rules:\n  - name: x\n    count: -1", []string{`rule "x"`, "count -1 is negative"}},
		{"count not whole", "rules:\n  - name: x\n    count: 1.5", []string{`rule "x"`, `count "1.5": want a whole number`}},
		{"min_events without ratio", "rules:\n  - name: x\n    count: 1\n    min_events: 5", []string{`rule "x"`, "min_events applies to ratio rules only"}},
		{"for zero", "rules:\n  - name: x\n    count: 1\n    for: 0", []string{`rule "x"`, "for 0"}},
		{"spike z zero", "rules:\n  - name: x\n    spike: {z: 0}", []string{`rule "x"`, "spike z 0"}},
		{"spike lookback one", "rules:\n  - name: x\n    spike: {lookback: 1}", []string{`rule "x"`, "lookback 1"}},
		{"history too long", "rules:\n  - name: x\n    over: 24h\n    spike: {lookback: 30}", []string{`rule "x"`, "1470 windows"}},
		{"rule not a mapping", "rules:\n  - x", []string{"rule #1", "mapping"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tt.doc), time.Minute)
			if err == nil {
				t.Fatalf("no error for\n%s", tt.doc)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Rules built in Go are checked by New the same way.
func TestNewValidates(t *testing.T) {
	_, err := New(Config{Window: time.Minute, Source: newFakeSource(),
		Rules: []Rule{{Name: "x", Over: 90 * time.Second, Count: ptr[int64](1)}}})
	if err == nil || !strings.Contains(err.Error(), `rule "x": over 1m30s is not a multiple of the 1m window`) {
		t.Errorf("New: %v", err)
	}
	if _, err := New(Config{Window: 0, Source: newFakeSource()}); err == nil {
		t.Error("New accepted a zero window")
	}
}

// DefaultRules are valid for any window, with the ratio's span rounded up.
func TestDefaultRulesAnyWindow(t *testing.T) {
	for _, tt := range []struct {
		window, over time.Duration
	}{{10 * time.Second, 5 * time.Minute}, {time.Minute, 5 * time.Minute}, {2 * time.Minute, 6 * time.Minute},
		{7 * time.Minute, 7 * time.Minute}, {time.Hour, time.Hour}} {
		rules, err := prepare(DefaultRules(tt.window), tt.window)
		if err != nil {
			t.Errorf("window %s: %v", tt.window, err)
			continue
		}
		if rules[0].Over != tt.over {
			t.Errorf("window %s: ratio over %s, want %s", tt.window, rules[0].Over, tt.over)
		}
	}
}

func TestLoadRulesMissingFile(t *testing.T) {
	_, err := LoadRules(filepath.Join(t.TempDir(), "nope.yaml"), time.Minute)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("LoadRules: %v", err)
	}
}

func TestRuleString(t *testing.T) {
	rules, err := LoadRules(filepath.Join("testdata", "rules.yaml"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"error-ratio: ERROR+FATAL ratio > 5% over 5m (min 20 events)",
		"error-spike: ERROR+FATAL spike z > 3 against the previous 30 over 1m (min 10 events)",
		"checkout-warnings: WARN count > 100 over 10m for checkout, 2 windows in a row",
		"fatal: FATAL count > 0 over 1m",
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
