package table

import (
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
)

// TestOverflowKey: an overflow key reads back as a window key of its
// window (so it expires with it), and is told from service and watermark
// keys by its prefix, which no cleaned service name has.
func TestOverflowKey(t *testing.T) {
	start := time.Date(2026, 12, 5, 10, 3, 0, 0, time.UTC)
	k := OverflowKey(start, 7)
	service, got, err := ParseWindowKey(k)
	if err != nil || !got.Equal(start) || !IsOverflowService(service) {
		t.Fatalf("ParseWindowKey(%q) = %q, %v, %v; want an overflow service at %v", k, service, got, err, start)
	}
	if !IsOverflowKey(k) || IsWatermarkKey(k) {
		t.Errorf("%q: IsOverflowKey %v, IsWatermarkKey %v", k, IsOverflowKey(k), IsWatermarkKey(k))
	}
	for _, name := range []string{"\x00of|1", codecs.OverflowService, "of|1", " \x00of|2", "\x00wm|0|1"} {
		// Through Decode, as ingest names the service of a record.
		ev, err := codecs.Decode(codecs.Record{Key: []byte(name), Value: []byte("x"), Timestamp: start}, 0)
		if err != nil {
			t.Fatalf("decode a record keyed %q: %v", name, err)
		}
		clean := ev.Service
		if key := WindowKey(clean, start); IsOverflowKey(key) || IsWatermarkKey(key) || clean == codecs.OverflowService {
			t.Errorf("service %q is cleaned to %q, a reserved name", name, clean)
		}
	}
}
