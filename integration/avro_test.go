package integration

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestAvro: Avro single-object encoding (as Java's and goavro's encoders
// write it) and Confluent framing resolved through a schema registry, next
// to a Confluent record whose schema id the registry does not know.
func TestAvro(t *testing.T) {
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/schemas/ids/7" {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]any{"error_code": 40403, "message": "Schema not found"})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"schema": codecs.LogEventSchema()})
	}))
	defer reg.Close()
	n := startRun(t, t.TempDir(), freeAddr(t), "--schema-registry", reg.URL)

	base := testBase()
	evs, truth := events(4000, base, 20*time.Minute, 5)
	var recs []*kgo.Record
	for i, e := range evs {
		ev := codecs.LogEvent{Time: e.Time, Level: e.Level, Service: e.Service, Host: e.Host, Message: e.Message}
		var v []byte
		var err error
		if i%2 == 0 {
			v, err = codecs.AppendAvroSingle(nil, ev)
		} else {
			v, err = codecs.AppendAvroConfluent(nil, 7, ev)
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &kgo.Record{Topic: n.topics.Logs, Value: v, Timestamp: e.Time})
	}
	unknown, err := codecs.AppendAvroConfluent(nil, 99, codecs.LogEvent{Time: base, Level: codecs.LevelInfo, Message: "x"})
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, &kgo.Record{Topic: n.topics.Logs, Value: unknown, Timestamp: base})
	produceSync(t, n.producer(), recs)

	got := n.settle(base, base.Add(20*time.Minute), truth.total())
	if diff := cmp.Diff(truth, got); diff != "" {
		t.Errorf("per-window per-level counts (-produced +reported):\n%s", diff)
	}
	dead := consume(t, n, n.topics.DLQ, 1)[0]
	for _, h := range dead.Headers {
		if h.Key == "logpulse.error" && string(h.Value) != codecs.ReasonInvalidAvro {
			t.Errorf("unknown schema id: reason %q, want %s", h.Value, codecs.ReasonInvalidAvro)
		}
	}
}
