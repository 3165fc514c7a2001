package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestLevelsWindowJSON: levelsWindow's MarshalJSON writes the bytes
// encoding/json's reflection writes, and covers every field.
func TestLevelsWindowJSON(t *testing.T) {
	if n := reflect.TypeFor[levelsWindow]().NumField(); n != 6 {
		t.Fatalf("levelsWindow has %d fields; MarshalJSON writes 6: add the new ones there", n)
	}
	type plain levelsWindow // same fields and tags, no MarshalJSON
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, w := range []levelsWindow{
		{},
		{Start: at, End: at.Add(time.Minute), Counts: map[string]int64{}, Final: true},
		{Start: at, End: at.Add(time.Minute), Counts: map[string]int64{"WARN": 2, "ERROR": 3, "INFO": -1, "DEBUG": 0}, Total: 4, Late: 7},
		{Start: at.Add(123456789), End: at.In(time.FixedZone("x", 3600)), Counts: map[string]int64{"a\"<b>": 1, "Z": 2}},
		{Start: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, gerr := json.Marshal(w)
		want, werr := json.Marshal(plain(w))
		if string(got) != string(want) || (gerr == nil) != (werr == nil) {
			t.Errorf("MarshalJSON:\n got %s (%v)\nwant %s (%v)", got, gerr, want, werr)
		}
	}
}

// TestLevelsResponseJSON: the whole /v1/levels answer is written as
// encoding/json would write it.
func TestLevelsResponseJSON(t *testing.T) {
	if n := reflect.TypeFor[levelsResponse]().NumField(); n != 13 {
		t.Fatalf("levelsResponse has %d fields; appendJSON writes 11 and skips 2 unexported: update it", n)
	}
	type plain levelsResponse // same fields and tags, no appendJSON
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	wm := at.Add(90 * time.Second)
	ws := []levelsWindow{
		{Start: at, End: at.Add(time.Minute), Counts: map[string]int64{"INFO": 3}, Total: 3, Final: true},
		{Start: at.Add(time.Minute), End: at.Add(2 * time.Minute), Counts: map[string]int64{}},
	}
	for _, r := range []levelsResponse{
		{},
		{From: at, To: at.Add(2 * time.Minute), StepSeconds: 60, SizeSeconds: 60, Watermark: &wm, Windows: ws,
			Totals: map[string]int64{"INFO": 3}, Total: 3},
		{From: at, To: at, Service: `a<b>&"c"\é` + "\x01", Levels: []string{"ERROR", "WARN"}, Windows: []levelsWindow{},
			Totals: map[string]int64{}},
		{Service: "checkout", Levels: []string{}},
	} {
		got, gerr := encodeJSON(r)
		want, werr := encodeJSON(plain(r))
		if string(got) != string(want) || (gerr == nil) != (werr == nil) {
			t.Errorf("appendJSON:\n got %s (%v)\nwant %s (%v)", got, gerr, want, werr)
		}
	}
}
