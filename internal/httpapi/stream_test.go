package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// streamServer serves a fresh fakeSource with a 20ms stream tick, a 1m
// window and 1m grace. Closing done ends its streams.
func streamServer(tb testing.TB, cfg Config) (*fakeSource, *httptest.Server, chan struct{}) {
	tb.Helper()
	src := newFakeSource()
	done := make(chan struct{})
	cfg.Source, cfg.Window, cfg.Grace, cfg.Done = src, time.Minute, time.Minute, done
	if cfg.StreamEvery == 0 {
		cfg.StreamEvery = 20 * time.Millisecond
	}
	srv := httptest.NewServer(New(cfg))
	tb.Cleanup(func() {
		select {
		case <-done:
		default:
			close(done)
		}
		srv.Close()
	})
	return src, srv, done
}

// streamWindowJSON mirrors streamWindow for decoding.
type streamWindowJSON struct {
	Start   time.Time        `json:"start"`
	End     time.Time        `json:"end"`
	Service string           `json:"service"`
	Counts  map[string]int64 `json:"counts"`
	Total   int64            `json:"total"`
	Late    int64            `json:"late"`
	Final   bool             `json:"final"`
}

func TestStreamHelloThenWindows(t *testing.T) {
	t.Parallel()
	src, srv, _ := streamServer(t, Config{})
	c, _ := openStream(t, srv.URL+"/v1/stream")
	hello := c.next(t)
	if hello.name != "hello" {
		t.Fatalf("first event %q, want hello", hello.name)
	}
	const wantHello = `{"window_seconds": 60, "grace_seconds": 60, "watermark": null, "service": ""}`
	if diff := cmp.Diff(jsonValue(t, wantHello), jsonValue(t, hello.data)); diff != "" {
		t.Errorf("hello (-want +got):\n%s", diff)
	}

	w := ts(t, "2024-05-01T12:00:00Z")
	src.add("api", w, table.Counts{codecs.LevelInfo: 2, codecs.LevelError: 1}, table.Counts{})
	src.add("web", w, table.Counts{codecs.LevelInfo: 3}, table.Counts{codecs.LevelWarn: 1})
	// The two adds may land in one tick or two: wait for the sum.
	got := waitFor(t, c, "window", func(v streamWindowJSON) bool { return v.Total == 6 })
	want := streamWindowJSON{Start: w, End: w.Add(time.Minute), Counts: map[string]int64{"INFO": 5, "ERROR": 1}, Total: 6, Late: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("window (-want +got):\n%s", diff)
	}
}

func TestStreamServiceFilter(t *testing.T) {
	t.Parallel()
	src, srv, _ := streamServer(t, Config{})
	c, _ := openStream(t, srv.URL+"/v1/stream?service=api")
	hello := waitFor(t, c, "hello", func(map[string]any) bool { return true })
	if hello["service"] != "api" {
		t.Errorf("hello service = %v, want api", hello["service"])
	}
	w0, w1 := ts(t, "2024-05-01T12:00:00Z"), ts(t, "2024-05-01T12:01:00Z")
	src.add("web", w0, table.Counts{codecs.LevelInfo: 7}, table.Counts{})
	src.add("api", w1, table.Counts{codecs.LevelInfo: 1}, table.Counts{})
	// web's change must produce nothing, so the first window event is
	// api's 12:01 (a 12:00 event from the same tick would come first).
	next := func() streamWindowJSON {
		for {
			if ev := c.next(t); ev.name == "window" {
				return decodeData[streamWindowJSON](t, ev)
			}
		}
	}
	got := []streamWindowJSON{next()}
	// Then api's 12:00 carries api's counts only, not web's.
	src.add("api", w0, table.Counts{codecs.LevelError: 2}, table.Counts{})
	got = append(got, next())
	want := []streamWindowJSON{
		{Start: w1, End: w1.Add(time.Minute), Service: "api", Counts: map[string]int64{"INFO": 1}, Total: 1},
		{Start: w0, End: w0.Add(time.Minute), Service: "api", Counts: map[string]int64{"ERROR": 2}, Total: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("window events (-want +got):\n%s", diff)
	}
}

// TestStreamWatermark: a watermark move is its own event, and a window
// changed after the watermark passed its end plus grace comes as final.
func TestStreamWatermark(t *testing.T) {
	t.Parallel()
	src, srv, _ := streamServer(t, Config{})
	c, _ := openStream(t, srv.URL+"/v1/stream")
	c.next(t) // hello
	w := ts(t, "2024-05-01T12:00:00Z")
	src.add("api", w, table.Counts{codecs.LevelInfo: 1}, table.Counts{})
	if got := waitFor(t, c, "window", func(streamWindowJSON) bool { return true }); got.Final {
		t.Errorf("window final before any watermark: %+v", got)
	}
	// Past the window's end but not its grace: still not final.
	src.setWatermark(ts(t, "2024-05-01T12:01:30Z"))
	wm := waitFor(t, c, "watermark", func(map[string]any) bool { return true })
	if diff := cmp.Diff(map[string]any{"watermark": "2024-05-01T12:01:30Z"}, wm); diff != "" {
		t.Errorf("watermark event (-want +got):\n%s", diff)
	}
	src.add("api", w, table.Counts{codecs.LevelInfo: 1}, table.Counts{})
	if got := waitFor(t, c, "window", func(streamWindowJSON) bool { return true }); got.Final || got.Total != 2 {
		t.Errorf("window within grace = %+v, want 2 events, not final", got)
	}
	src.setWatermark(ts(t, "2024-05-01T12:02:00Z")) // 12:01 end + 1m grace
	// The move makes the window final: it is sent again, unchanged but
	// final, before the watermark event.
	if got := waitFor(t, c, "window", func(streamWindowJSON) bool { return true }); !got.Final || got.Total != 2 {
		t.Errorf("window made final by the watermark = %+v, want it re-sent final with 2 events", got)
	}
	waitFor(t, c, "watermark", func(v map[string]any) bool { return v["watermark"] == "2024-05-01T12:02:00Z" })
	src.add("api", w, table.Counts{}, table.Counts{codecs.LevelInfo: 1})
	got := waitFor(t, c, "window", func(streamWindowJSON) bool { return true })
	if !got.Final || got.Late != 1 || got.Total != 2 {
		t.Errorf("window after the watermark = %+v, want final with 1 late", got)
	}
	// A change logged with the watermark where it was (what holds it
	// changed) is no watermark event: the next two events are the
	// window's two changes.
	src.setWatermark(ts(t, "2024-05-01T12:02:00Z"))
	src.add("api", w, table.Counts{}, table.Counts{codecs.LevelInfo: 1})
	if ev := c.next(t); ev.name != "window" {
		t.Fatalf("after a change that did not move the watermark: event %s %s, want a window", ev.name, ev.data)
	}
	src.add("api", w, table.Counts{}, table.Counts{codecs.LevelInfo: 1})
	if ev := c.next(t); ev.name != "window" {
		t.Errorf("after a change that did not move the watermark: event %s %s, want the next window", ev.name, ev.data)
	}
}

func TestStreamReset(t *testing.T) {
	t.Parallel()
	src, srv, _ := streamServer(t, Config{})
	src.add("api", ts(t, "2024-05-01T12:00:00Z"), table.Counts{codecs.LevelInfo: 1}, table.Counts{})
	c, _ := openStream(t, srv.URL+"/v1/stream")
	c.next(t) // hello
	src.mu.Lock()
	src.changes = nil // as after a restart: the stream's seq is ahead
	src.mu.Unlock()
	waitFor(t, c, "reset", func(map[string]any) bool { return true })
}

func TestStreamEndsOnDone(t *testing.T) {
	t.Parallel()
	_, srv, done := streamServer(t, Config{})
	c, _ := openStream(t, srv.URL+"/v1/stream")
	c.next(t) // hello
	close(done)
	c.waitEnd(t)
}

func TestStreamMaxStreams(t *testing.T) {
	t.Parallel()
	_, srv, _ := streamServer(t, Config{MaxStreams: 1})
	first, _ := openStream(t, srv.URL+"/v1/stream")
	first.next(t) // hello: the first stream is counted
	c, resp := openStream(t, srv.URL+"/v1/stream")
	if c != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second stream: status %d, want 503", resp.StatusCode)
	}
	if body := decode[errorBody](t, record(t, resp)); body.Error != "too many live streams (1); try again later" {
		t.Errorf("503 body %+v", body)
	}
	// The slot is given back when the first client goes.
	first.resp.Body.Close()
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Get(srv.URL + "/v1/stream")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after the first stream closed", resp.StatusCode)
		}
	}
}

// TestStreamOutlivesWriteTimeout: a server WriteTimeout (as cmd sets) must
// not end a live stream; each write extends its own deadline.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	t.Parallel()
	src := newFakeSource()
	srv := httptest.NewUnstartedServer(New(Config{Source: src, StreamEvery: 20 * time.Millisecond}))
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := openStream(t, srv.URL+"/v1/stream")
	c.next(t) // hello
	opened := time.Now()
	w := ts(t, "2024-05-01T12:00:00Z")
	for i := int64(1); ; i++ {
		src.add("api", w, table.Counts{codecs.LevelInfo: 1}, table.Counts{})
		waitFor(t, c, "window", func(v streamWindowJSON) bool { return v.Total == i })
		if time.Since(opened) > 600*time.Millisecond {
			return
		}
	}
}

// TestStreamKeepAlive: a quiet stream gets a keep-alive comment and stays
// open after it. The keep-alive interval is longer than the per-write
// deadline, so the keep-alive must set its own deadline.
func TestStreamKeepAlive(t *testing.T) {
	t.Parallel()
	src := newFakeSource()
	s := newServer(Config{Source: src, StreamEvery: 20 * time.Millisecond})
	s.streamKeepAlive, s.streamWriteTimeout = 300*time.Millisecond, 100*time.Millisecond
	srv := httptest.NewServer(s.routes())
	t.Cleanup(srv.Close)
	c, _ := openStream(t, srv.URL+"/v1/stream")
	c.next(t) // hello
	for range 2 {
		if ev := c.next(t); ev.name != ":" || ev.data != "keep-alive" {
			t.Fatalf("got %+v, want a keep-alive comment", ev)
		}
	}
	src.add("api", ts(t, "2024-05-01T12:00:00Z"), table.Counts{codecs.LevelInfo: 1}, table.Counts{})
	waitFor(t, c, "window", func(streamWindowJSON) bool { return true })
}

func decodeData[T any](tb testing.TB, ev sseEvent) T {
	tb.Helper()
	var v T
	if err := unmarshalStrict(ev.data, &v); err != nil {
		tb.Fatalf("event %s: decode %s: %v", ev.name, ev.data, err)
	}
	return v
}
