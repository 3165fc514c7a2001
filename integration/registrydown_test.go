package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestRegistryDownStillAnnounces: while the schema registry is down, the
// batch holding Confluent-framed records aborts and comes back on every
// poll, and no batch commits. Ingest still announces its partitions (the
// quiet ones caught up, the stuck one holding the watermark), and
// /v1/levels says so: six table partitions reporting, none missing. Fails
// when the answer's watermark_by is served from the cache after what holds
// the watermark changed without the watermark moving. Once the registry is
// back the records count, exactly once.
func TestRegistryDownStillAnnounces(t *testing.T) {
	var up atomic.Bool
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"schema": codecs.LogEventSchema()})
	}))
	defer reg.Close()

	c := startCluster(t)
	topics := names(t)
	at := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	v, err := codecs.AppendAvroConfluent(nil, 7, codecs.LogEvent{Time: at, Level: codecs.LevelError, Service: "billing", Message: "disk full"})
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	srv := c.stage("serve", "--http", addr)
	srv.http = addr
	srv.waitReady()
	// In the input before ingest starts: its first poll returns them. Two,
	// because a partition one record short of its end counts as read to
	// it (the offset a commit marker may take; docs/guarantees.md).
	rec := func() *kgo.Record {
		return &kgo.Record{Topic: topics.Logs, Key: []byte("billing"), Value: v, Timestamp: at}
	}
	produceSync(t, srv.producer(), []*kgo.Record{rec(), rec()})
	c.stage("ingest", "--schema-registry", reg.URL)
	c.stage("aggregate")

	poll(t, time.Minute, "every input partition announced while the registry is down", func() (bool, string) {
		lr, err := srv.rawLevels(at, at.Add(time.Minute), "")
		if err != nil {
			return false, err.Error()
		}
		by := lr.WatermarkBy
		return by.TablePartitions == "6/6" && len(by.NotReported) == 0,
			fmt.Sprintf("watermark %v by %+v, total %d", lr.Watermark, by, lr.Total)
	})
	if lr, err := srv.rawLevels(at, at.Add(time.Minute), ""); err != nil || lr.Total != 0 {
		t.Fatalf("counted %d events while the registry was down (err %v), want 0", lr.Total, err)
	}

	up.Store(true)
	poll(t, time.Minute, "the records counted once the registry is back", func() (bool, string) {
		lr, err := srv.rawLevels(at, at.Add(time.Minute), "")
		if err != nil {
			return false, err.Error()
		}
		return lr.Total == 2, fmt.Sprintf("total %d", lr.Total)
	})
}
