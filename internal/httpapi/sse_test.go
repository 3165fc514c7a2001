package httpapi

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// sseEvent is one Server-Sent Event as a client sees it. A comment line
// (": keep-alive") is reported as an event named ":" so tests can see it.
type sseEvent struct {
	name string
	data string
}

// sseClient reads a live /v1/stream response with a real HTTP client.
type sseClient struct {
	resp   *http.Response
	events chan sseEvent
	ended  chan struct{} // closed when the body reaches EOF or fails
	stop   chan struct{}
}

// waitTimeout bounds every wait on a stream; the tests poll with it rather
// than sleep.
const waitTimeout = 5 * time.Second

// openStream GETs url and, on a 200, parses the body in the background.
// A non-200 response is returned with a nil client and its body unread.
func openStream(tb testing.TB, url string) (*sseClient, *http.Response) {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Cleanup(func() { resp.Body.Close() })
		return nil, resp
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		tb.Errorf("Content-Type = %q, want text/event-stream", ct)
	}
	c := &sseClient{resp: resp, events: make(chan sseEvent, 64), ended: make(chan struct{}), stop: make(chan struct{})}
	tb.Cleanup(func() {
		close(c.stop)
		resp.Body.Close()
		<-c.ended
	})
	go c.read()
	return c, resp
}

// read parses the "event:" and "data:" lines of each event; a blank line
// ends an event.
func (c *sseClient) read() {
	defer close(c.ended)
	sc := bufio.NewScanner(c.resp.Body)
	var ev sseEvent
	emit := func(e sseEvent) bool {
		select {
		case c.events <- e:
			return true
		case <-c.stop:
			return false
		}
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" || ev.data != "" {
				if !emit(ev) {
					return
				}
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
			if !emit(sseEvent{name: ":", data: strings.TrimSpace(line[1:])}) {
				return
			}
		case strings.HasPrefix(line, "event:"):
			ev.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			if ev.data != "" {
				ev.data += "\n"
			}
			ev.data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
}

// next returns the next event, failing the test if none comes in time or
// the stream ends.
func (c *sseClient) next(tb testing.TB) sseEvent {
	tb.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-c.ended:
		// Events parsed just before the end are still buffered.
		select {
		case ev := <-c.events:
			return ev
		default:
		}
		tb.Fatal("stream ended while waiting for an event")
	case <-time.After(waitTimeout):
		tb.Fatalf("no event in %s", waitTimeout)
	}
	return sseEvent{}
}

// waitFor skips events until one named name whose decoded data satisfies
// ok, and returns that data.
func waitFor[T any](tb testing.TB, c *sseClient, name string, ok func(T) bool) T {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		ev := c.next(tb)
		if ev.name != name {
			continue
		}
		var v T
		if err := unmarshalStrict(ev.data, &v); err != nil {
			tb.Fatalf("event %s: decode %s: %v", name, ev.data, err)
		}
		if ok(v) {
			return v
		}
	}
	tb.Fatalf("no matching %s event in %s", name, waitTimeout)
	var zero T
	return zero
}

// waitEnd fails unless the stream's body reaches its end in time.
func (c *sseClient) waitEnd(tb testing.TB) {
	tb.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case <-c.ended:
			return
		case <-c.events: // drain what came before the end
		case <-deadline:
			tb.Fatalf("stream still open after %s", waitTimeout)
		}
	}
}

// unmarshalStrict decodes s into v, rejecting fields that v lacks.
func unmarshalStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// record copies a live response into a recorder, for decode.
func record(tb testing.TB, resp *http.Response) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	rec.Code = resp.StatusCode
	for k, v := range resp.Header {
		rec.Header()[k] = v
	}
	if _, err := rec.Body.ReadFrom(resp.Body); err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return rec
}
