package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEveryErrorIsJSON sends real requests to a real server: the errors
// the handlers write and those net/http writes before any handler runs
// (431, 400, 501) all come as JSON with an error field.
func TestEveryErrorIsJSON(t *testing.T) {
	srv := httptest.NewUnstartedServer(New(Config{Source: newFakeSource(), Window: time.Minute}))
	srv.Listener = JSONErrors(srv.Listener)
	srv.Config.MaxHeaderBytes = 4 << 10
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	// raw sends req on a new connection and reads the answer.
	raw := func(t *testing.T, req string) *http.Response {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	big := strings.Repeat("a", 8<<10)
	for _, tc := range []struct {
		name string
		req  string
		want int
	}{
		{"unknown path", "GET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{"method not allowed", "DELETE /v1/levels HTTP/1.1\r\nHost: x\r\n\r\n", 405},
		{"bad parameter", "GET /v1/levels?from=yesterday HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"headers over MaxHeaderBytes", "GET /v1/levels HTTP/1.1\r\nHost: x\r\nCookie: " + big + "\r\n\r\n", 431},
		{"no Host header", "GET /v1/levels HTTP/1.1\r\n\r\n", 400},
		{"malformed request line", "GET\r\n\r\n", 400},
		{"unknown transfer encoding", "POST /v1/logs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zip\r\n\r\n", 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := raw(t, tc.req)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var e errorBody
			if resp.StatusCode != tc.want || resp.Header.Get("Content-Type") != "application/json" ||
				json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("%d %s %q, want %d with a JSON error", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.want)
			}
		})
	}

	// A client's request after a good one on the same connection is
	// answered as usual: only net/http's own errors are rewritten.
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

func TestRewriteServerErrorLeavesResponsesAlone(t *testing.T) {
	for _, p := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nDate: x\r\n\r\nok",
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx",
		"hello",
	} {
		if _, ok := rewriteServerError([]byte(p)); ok {
			t.Errorf("rewrote %q", p)
		}
	}
}
