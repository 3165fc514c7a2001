package schemaregistry

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/logpulse/logpulse/codecs"
)

// appLogSchema is a producer's own writer schema, with the field names of
// its JSON logs.
const appLogSchema = `{"type": "record", "name": "AppLog", "fields": [
  {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "severity", "type": "string"},
  {"name": "msg", "type": "string"},
  {"name": "app", "type": "string"}
]}`

// fakeRegistry serves GET /schemas/ids/{id} as Confluent's schema registry
// does, counting the requests. Ids: 1 logevent.avsc, 2 appLogSchema, 3 a
// protobuf schema, 4 an Avro schema with references, 5 a server error;
// others are 404.
func fakeRegistry(tb testing.TB, opts ...func(http.Handler) http.Handler) (*httptest.Server, *atomic.Int64) {
	tb.Helper()
	var requests atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /schemas/ids/{id}", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		id, _ := strconv.Atoi(r.PathValue("id"))
		var body map[string]any
		switch id {
		case 1:
			body = map[string]any{"schema": codecs.LogEventSchema()}
		case 2:
			body = map[string]any{"schema": appLogSchema}
		case 3:
			body = map[string]any{"schemaType": "PROTOBUF", "schema": `syntax = "proto3"; message M { string msg = 1; }`}
		case 4:
			body = map[string]any{"schema": `{"type": "record", "name": "R", "fields": [{"name": "e", "type": "com.example.Event"}]}`,
				"references": []map[string]any{{"name": "com.example.Event", "subject": "event", "version": 1}}}
		case 5:
			w.WriteHeader(http.StatusInternalServerError)
			body = map[string]any{"error_code": 50001, "message": "Error in the backend data store"}
		default:
			w.WriteHeader(http.StatusNotFound)
			body = map[string]any{"error_code": 40403, "message": "Schema " + r.PathValue("id") + " not found"}
		}
		if err := json.NewEncoder(w).Encode(body); err != nil {
			tb.Errorf("fake registry: %v", err)
		}
	})
	var h http.Handler = mux
	for _, o := range opts {
		h = o(h)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv, &requests
}

func newRegistry(tb testing.TB, url string, opts ...sr.ClientOpt) *Registry {
	tb.Helper()
	reg, err := New(url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

// frame is Confluent's framing of an Avro body.
func frame(id int, body []byte) []byte {
	return append([]byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}, body...)
}

func TestDecodeConfluent(t *testing.T) {
	srv, requests := fakeRegistry(t)
	d := codecs.NewDecoder(1<<20, newRegistry(t, srv.URL))
	ts := time.Date(2026, 11, 26, 10, 0, 0, 123e6, time.UTC)
	ev := codecs.LogEvent{Time: ts, Level: codecs.LevelWarn, Service: "checkout", Host: "web-7", Message: "card declined"}
	own, err := codecs.AppendAvroConfluent(nil, 1, ev)
	if err != nil {
		t.Fatal(err)
	}
	appLog, err := goavro.NewCodec(appLogSchema)
	if err != nil {
		t.Fatal(err)
	}
	body, err := appLog.BinaryFromNative(nil, map[string]any{"ts": ts, "severity": "error", "msg": "boom", "app": "billing"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		value []byte
		want  codecs.LogEvent
	}{
		{"logevent.avsc", own, ev},
		{"producer's schema", frame(2, body), codecs.LogEvent{Time: ts, Level: codecs.LevelError, Service: "billing", Message: "boom"}},
	} {
		for range 3 {
			got, err := d.Decode(codecs.Record{Value: tc.value, Timestamp: ts})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.name, diff)
			}
		}
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d registry requests for two schema ids, want 2", n)
	}
}

func TestRegistryErrors(t *testing.T) {
	srv, requests := fakeRegistry(t)
	d := codecs.NewDecoder(0, newRegistry(t, srv.URL))
	ts := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		id   int
		msg  string
		fail bool // the registry could not answer: no *DecodeError
	}{
		{id: 99, msg: "invalid_avro: schema id 99: not in the schema registry: Schema 99 not found"},
		{id: 3, msg: "invalid_avro: schema id 3: schema type is PROTOBUF, not AVRO"},
		{id: 4, msg: "invalid_avro: schema id 4: schema references 1 other schemas"},
		{id: 5, msg: "look up avro schema id 5: get schema 5: Error in the backend data store", fail: true},
	} {
		_, err := d.Decode(codecs.Record{Value: frame(tc.id, []byte{2, 'x'}), Timestamp: ts})
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("id %d: error %v, want one with %q", tc.id, err, tc.msg)
			continue
		}
		var de *codecs.DecodeError
		if errors.As(err, &de) == tc.fail {
			t.Errorf("id %d: error %v (%T): a *DecodeError is bad input, wanted %v", tc.id, err, err, !tc.fail)
		}
	}
	before := requests.Load()
	for _, id := range []int{99, 5} {
		_, _ = d.Decode(codecs.Record{Value: frame(id, []byte{2, 'x'}), Timestamp: ts})
	}
	if n := requests.Load() - before; n != 1 {
		t.Errorf("%d requests on asking again, want 1: a 404 is remembered, a 500 is not", n)
	}
}

// TestNew: a comma-separated list is tried in order, and client options
// reach the requests.
func TestNew(t *testing.T) {
	if _, err := New(" , "); err == nil {
		t.Error("New with no URL: no error")
	}
	auth := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "logpulse" || p != "secret" {
				http.Error(w, `{"error_code": 40101, "message": "Unauthorized"}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	srv, _ := fakeRegistry(t, auth)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close() // nothing listens there any more
	reg := newRegistry(t, dead.URL+", "+srv.URL, sr.BasicAuth("logpulse", "secret"))
	if s, err := reg.Schema(t.Context(), 1); err != nil || s != codecs.LogEventSchema() {
		t.Fatalf("schema 1: %.40q, %v", s, err)
	}
	noAuth := newRegistry(t, srv.URL)
	_, err := noAuth.Schema(t.Context(), 1)
	var se *codecs.SchemaError
	if err == nil || errors.As(err, &se) {
		t.Errorf("unauthorized: error %v, want one that is no *SchemaError (a fault of ours, not of the records)", err)
	}
}
