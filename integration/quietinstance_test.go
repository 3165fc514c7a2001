package integration

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestQuietIngestInstanceAnnounces is TestOneKeyClosesWindows with two
// ingest instances: every event under one key, so the instance that does
// not own the key's partition reads nothing at all. It must still announce
// the partitions it is assigned, or nothing is ever final (table.WatermarkOf
// waits for every input partition). Fails when an instance's poll, started
// before its assignment without a deadline, is not woken by the assignment.
func TestQuietIngestInstanceAnnounces(t *testing.T) {
	c := startCluster(t)
	topics := names(t)
	c.stage("ingest", "--transactional-id", "quiet-a", "--grace", "30s")
	c.stage("ingest", "--transactional-id", "quiet-b", "--grace", "30s")
	c.stage("aggregate", "--grace", "30s")
	addr := freeAddr(t)
	v := c.stage("serve", "--grace", "30s", "--http", addr)
	v.http = addr
	v.waitReady()
	c.waitMembers(topics.IngestGroup, topics.Logs, 2, nil, time.Minute)

	w0 := time.Now().UTC().Truncate(time.Minute).Add(-8 * time.Minute)
	var recs []*kgo.Record
	for i := range 50 {
		recs = append(recs, logLine(topics.Logs, "billing", "billing", "ERROR", w0.Add(10*time.Second+time.Duration(i)*time.Millisecond), "disk full"))
	}
	recs = append(recs, logLine(topics.Logs, "billing", "billing", "INFO", w0.Add(5*time.Minute), "recovered"))
	produceSync(t, v.producer(), recs)

	poll(t, time.Minute, "billing's first window final with 50 events", func() (bool, string) {
		ws, err := windowsOf(v, w0, w0.Add(time.Minute), "billing")
		if err != nil {
			return false, err.Error()
		}
		lr, _ := v.rawLevels(w0, w0.Add(time.Minute), "billing")
		return ws[w0] == windowState{total: 50, final: true}, fmt.Sprintf("%+v; watermark %v by %+v", ws, lr.Watermark, lr.WatermarkBy)
	})
}
