package table

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
)

func TestTemplate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"user 42 failed", "user <*> failed"},
		{"user 43  failed", "user <*> failed"},
		{"took 12ms id=0x1f", "took <*> id=<*>"},
		{"GET /v1/items/17 200", "GET <*> <*>"},
		{"upstream timeout (after 300ms).", "upstream timeout (after <*>)."},
		{"key: value", "key: value"},
		{"port:8080 refused", "port:<*> refused"},
		{`path="/tmp/x1"`, `path="<*>"`},
		{"", ""},
		{strings.Repeat("word ", 100), strings.TrimSpace(strings.Repeat("word ", 32))},
	} {
		if got := Template(tc.in); got != tc.want {
			t.Errorf("Template(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Template(strings.Repeat("é", 200)); len(got) > MaxTemplateBytes || !strings.HasPrefix(strings.Repeat("é", 200), got) {
		t.Errorf("long template %q: over %d bytes or split a rune", got, MaxTemplateBytes)
	}
}

// TestMergeSamplesDeterministic: the kept samples are the k newest of the
// union whatever the grouping of merges (batching differs between runs),
// and a redelivered sample is kept once.
func TestMergeSamplesDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all []Sample
	for i := range 200 {
		all = append(all, Sample{
			TimeMs: int64(rng.IntN(50)), Level: codecs.Level(4 + rng.IntN(3)),
			Partition: int32(rng.IntN(3)), Offset: int64(i), Message: "m",
		})
	}
	want := MergeSamples(all, nil, SamplesPerLevel)
	if len(want) != 3*SamplesPerLevel {
		t.Fatalf("kept %d samples, want %d", len(want), 3*SamplesPerLevel)
	}
	if !slices.IsSortedFunc(want, newer) {
		t.Errorf("samples not newest first: %v", want)
	}
	for round := range 20 {
		shuffled := slices.Clone(all)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var got []Sample
		for len(shuffled) > 0 {
			n := min(len(shuffled), 1+rng.IntN(40))
			batch := MergeSamples(shuffled[:n], nil, SamplesPerLevel)
			got = MergeSamples(got, batch, SamplesPerLevel)
			got = MergeSamples(got, batch, SamplesPerLevel) // redelivery
			shuffled = shuffled[n:]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: merged in batches differs (-want +got):\n%s", round, diff)
		}
	}
}

// TestLevelMessagesDeterministic: the kept templates are the capacity with
// the smallest hashes, with exact counts, and the rest is in Other, whatever the
// batching and merge order (the table must be the same on replay). The
// review's case: many one-off templates plus one frequent late template.
func TestLevelMessagesDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type ev struct{ t string }
	var evs []ev
	for i := range 400 {
		tpl := "rare " + strconv.Itoa(i)
		if i%7 == 0 {
			tpl = "frequent"
		} else if i%3 == 0 {
			tpl = "common " + strconv.Itoa(i%5)
		}
		evs = append(evs, ev{tpl})
	}
	build := func(batches [][]ev) LevelMessages {
		var table LevelMessages
		for _, b := range batches {
			var d LevelMessages
			for _, e := range b {
				d.Add(codecs.LevelError, e.t, 1, MessageCapacity)
			}
			d.Trim(MessageCapacity)
			table.Merge(d, MessageCapacity)
		}
		return table
	}
	want := build([][]ev{evs})
	m := want[codecs.LevelError]
	if len(m.Counts) != MessageCapacity {
		t.Fatalf("kept %d templates, want %d", len(m.Counts), MessageCapacity)
	}
	var kept int64
	exact := map[string]int64{}
	for _, e := range evs {
		exact[e.t]++
	}
	for tpl, n := range m.Counts {
		if n != exact[tpl] {
			t.Errorf("template %q counted %d, want exactly %d", tpl, n, exact[tpl])
		}
		kept += n
	}
	if kept+m.Other != int64(len(evs)) {
		t.Errorf("kept %d + other %d != %d events", kept, m.Other, len(evs))
	}
	for round := range 20 {
		shuffled := slices.Clone(evs)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var batches [][]ev
		for len(shuffled) > 0 {
			n := min(len(shuffled), 1+rng.IntN(30))
			batches = append(batches, shuffled[:n])
			shuffled = shuffled[n:]
		}
		if diff := cmp.Diff(want, build(batches)); diff != "" {
			t.Fatalf("round %d: batched differently, different table (-one batch +batches):\n%s", round, diff)
		}
	}
}
