package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/topology"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestUpgradeFromJSONTable upgrades a table in place: the compacted table
// holds values in the JSON format of the releases before the wire format
// (docs/design.md, "Table format"). This release recovers its state from
// them, counts new events into the same keys exactly, and writes those keys
// back in the wire format; no reset, no migration step.
func TestUpgradeFromJSONTable(t *testing.T) {
	dir, broker := t.TempDir(), freeAddr(t)
	n := startRun(t, dir, broker)
	base := testBase()
	truth := series{}

	// The table as the previous release left it, placed where goka looks
	// for each key. Offset -1: the deltas topic is new here; in a real
	// upgrade it is the old release's, and its offsets are below the new
	// deltas' as well.
	tp, err := kgo.NewClient(kgo.SeedBrokers(n.brokers...), kgo.DefaultProduceTopic(n.topics.Table()),
		kgo.RecordPartitioner(topology.GokaPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Close()
	var seeds []*kgo.Record
	for w := range 10 {
		at := base.Add(time.Duration(w) * time.Minute)
		v := fmt.Sprintf(`{"counts":{"ERROR":%d,"INFO":7},"late":{},"samples":[{"t":%d,"level":"ERROR","msg":"old","p":0,"o":0}],`+
			`"messages":{"ERROR":{"counts":{"old":%d}}},"offset":-1}`, w+1, at.UnixMilli(), w+1)
		seeds = append(seeds, &kgo.Record{Key: []byte(table.WindowKey("legacy", at)), Value: []byte(v)})
		truth.add(at, "ERROR", int64(w+1))
		truth.add(at, "INFO", 7)
	}
	produceSync(t, tp, seeds)
	// The aggregate's state is rebuilt from the table on start: from the
	// JSON values.
	n.stop()
	n = startRun(t, dir, broker)

	var recs []*kgo.Record
	for w := range 10 {
		for i := range 3 {
			at := base.Add(time.Duration(w)*time.Minute + time.Duration(i)*time.Second)
			v, _ := json.Marshal(map[string]any{"ts": at.UnixMilli(), "level": "WARN", "service": "legacy", "msg": "new"})
			recs = append(recs, &kgo.Record{Value: v, Timestamp: at})
			truth.add(at.Truncate(time.Minute), "WARN", 1)
		}
	}
	produceSync(t, n.producer(), recs)
	got := n.settle(base, base.Add(time.Hour), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("counts after the upgrade (-JSON table + produced, +reported):\n%s", diff)
	}

	for k, v := range lastTableValues(t, n) {
		if !strings.HasPrefix(k, "legacy|") {
			continue
		}
		var val table.Value
		if len(v) == 0 || v[0] == '{' || table.DecodeValue(v, &val) != nil {
			t.Errorf("%q was not written back in the wire format: %q", k, v)
			continue
		}
		if val.Counts.Total() == 0 || val.Messages[codecs.LevelError] == nil || val.Messages[codecs.LevelError].Counts["old"] == 0 {
			t.Errorf("%q lost what the JSON value held: %+v", k, val)
		}
	}
}
