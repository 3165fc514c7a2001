package codecs

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
			TimeMs: int64(rng.IntN(50)), Level: Level(4 + rng.IntN(3)),
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

func TestLevelMessagesBounded(t *testing.T) {
	var lm LevelMessages
	for i := range 30 {
		lm.Add(LevelError, "t"+strings.Repeat("x", i), int64(100-i), 10)
	}
	m := lm[LevelError]
	if len(m.Counts) != 10 {
		t.Fatalf("kept %d templates, want 10", len(m.Counts))
	}
	var other int64
	for i := 10; i < 30; i++ {
		other += int64(100 - i)
	}
	if m.Other != other {
		t.Errorf("other = %d, want %d (the 20 least frequent)", m.Other, other)
	}
	if m.Counts["t"] != 100 {
		t.Errorf("most frequent lost: %v", m.Counts)
	}
	var merged LevelMessages
	merged.Merge(lm, 5)
	merged.Merge(lm, 5)
	if got := merged[LevelError]; len(got.Counts) != 5 || got.Counts["t"] != 200 || got.Other != 2*other+2*(91+92+93+94+95) {
		t.Errorf("merged = %+v", got)
	}
}
