package amqpbridge

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	amqp "github.com/rabbitmq/amqp091-go"
)

// TestIDSetKeepsNewest: the set remembers the newest n ids, an id added
// twice until its newer copy leaves the ring.
func TestIDSetKeepsNewest(t *testing.T) {
	s := newIDSet(3)
	for _, id := range []string{"a", "b", "a", "c"} {
		s.add(id)
	}
	// ring: b a c (the first a evicted, the second kept)
	for id, want := range map[string]bool{"a": true, "b": true, "c": true, "d": false} {
		if s.has(id) != want {
			t.Errorf("has(%q) = %v, want %v", id, !want, want)
		}
	}
	s.add("d") // evicts b
	s.add("e") // evicts a
	got := map[string]bool{}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		got[id] = s.has(id)
	}
	if diff := cmp.Diff(map[string]bool{"a": false, "b": false, "c": true, "d": true, "e": true}, got); diff != "" {
		t.Errorf("after two more (-want +got):\n%s", diff)
	}
	off := newIDSet(-1)
	off.add("x")
	if off.has("x") {
		t.Error("a set of size 0 remembered an id")
	}
}

func TestHeaders(t *testing.T) {
	d := &amqp.Delivery{
		ContentType: "application/json", MessageId: "m1", AppId: "shop",
		Timestamp:  time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)),
		RoutingKey: "log_queue", Headers: amqp.Table{"tenant": "acme", "attempt": int32(2), "none": nil},
	}
	got := map[string]string{}
	for _, h := range headers(d) {
		got[h.Key] = string(h.Value)
	}
	want := map[string]string{
		"content-type": "application/json", "amqp.message-id": "m1", "amqp.app-id": "shop",
		"amqp.timestamp": "2024-05-01T11:00:00Z", "amqp.routing-key": "log_queue",
		"amqp.header.tenant": "acme", "amqp.header.attempt": "2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "http://x", Queue: "q"}, "--amqp"},
		{Config{URL: "amqp://localhost/", Queue: ""}, "--queue is required"},
		{Config{URL: "amqp://localhost/", Queue: "q", Prefetch: 70000}, "--amqp-prefetch"},
	} {
		err := tt.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", tt.cfg, err, tt.want)
		}
	}
	if err := (Config{URL: "amqp://guest:guest@localhost:5672/", Queue: "log_queue"}).Validate(); err != nil {
		t.Errorf("a good config: %v", err)
	}
}
