package alerts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A flood of services that each come once (request IDs in the service
// field), next to two real ones: the tracked state stays at the cap, the
// real services keep being evaluated because they are the busiest, the
// flood past the cap alerts under the overflow, and services gone from
// the windows the rules look at are forgotten.
func TestStateBoundedManyServices(t *testing.T) {
	const maxServices, perWindow, windows = 100, 2000, 60
	src := newFakeSource()
	for i := range windows {
		src.set(i, "web", ec(0, 500))
		src.set(i, "api", ec(0, 400))
		for j := range perWindow {
			src.set(i, fmt.Sprintf("req-%d-%d", i, j), ec(1, 1))
		}
	}
	src.set(windows-1, "api", ec(300, 400)) // api fails in the last window
	rec := &recorder{}
	ratio := 0.5
	e, err := New(Config{Window: testWindow, Source: src, Publish: rec.publish, Logger: testLogger(t), MaxServices: maxServices,
		Rules: []Rule{{Name: "r", Ratio: &ratio, MinEvents: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	peak := 0
	for i := 1; i <= windows; i++ {
		src.setWatermark(at(i))
		step(t, e)
		peak = max(peak, len(e.eval.svc), len(e.eval.tracks))
	}
	if peak > maxServices+1 {
		t.Errorf("tracked %d services at the peak, want at most %d (the cap and the overflow)", peak, maxServices+1)
	}
	got := rec.brief()
	if !slices.Contains(got, "r firing _overflow w0") || !slices.Contains(got, "r firing api w59") {
		t.Errorf("transitions %q: want the flood to fire on _overflow at w0 and api's errors at w59", got)
	}
	fired := 0
	for _, b := range got {
		if strings.Contains(b, "firing req-") {
			fired++
		}
	}
	if fired > windows*maxServices {
		t.Errorf("%d alerts fired on one-event services, more than the cap per window (%d)", fired, windows*maxServices)
	}
	// The flood stops: after the rule's history (one window), only the
	// service still sending is held, and no streak.
	for i := windows; i < windows+3; i++ {
		src.set(i, "web", ec(0, 500))
	}
	for i := windows + 1; i <= windows+3; i++ {
		src.setWatermark(at(i))
		step(t, e)
	}
	var held []string
	for s := range e.eval.svc {
		held = append(held, s)
	}
	slices.Sort(held)
	if diff := cmp.Diff([]string{"web"}, held); diff != "" {
		t.Errorf("services held after the flood (-want +got):\n%s", diff)
	}
	if len(e.eval.tracks) != 0 {
		t.Errorf("%d streaks or alerts held after the flood, want none", len(e.eval.tracks))
	}
}
