package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
)

// JSONErrors wraps the listener a server serves the API on, so that the
// errors net/http answers itself, before any handler runs, are JSON like
// every other error of the API: 431 for request headers over
// http.Server.MaxHeaderBytes, 400 for a malformed request (no Host header,
// a bad request line), 501 for an unknown transfer encoding. net/http
// writes them as text/plain in one write to the connection and closes it;
// the connection here rewrites exactly that write and passes every other
// one through unchanged.
func JSONErrors(l net.Listener) net.Listener { return jsonErrorsListener{l} }

type jsonErrorsListener struct{ net.Listener }

func (l jsonErrorsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorsConn{Conn: c}, nil
}

type jsonErrorsConn struct{ net.Conn }

func (c *jsonErrorsConn) Write(p []byte) (int, error) {
	if b, ok := rewriteServerError(p); ok {
		if _, err := c.Conn.Write(b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite lets net/http half-close after a 431 (it waits for the client
// to read the answer), as it does on the *net.TCPConn underneath.
func (c *jsonErrorsConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// serverErrorHeaders follow the status line of every error net/http writes
// itself (net/http/server.go, conn.serve). A handler's response never has
// them in this order alone: net/http writes its headers sorted and with a
// Date.
const serverErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// rewriteServerError turns net/http's own text/plain error into the same
// status with a JSON errorBody; ok is false for any other write.
func rewriteServerError(p []byte) (out []byte, ok bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok {
		return nil, false
	}
	status, text, ok := bytes.Cut(rest, []byte(serverErrorHeaders))
	if !ok || bytes.Contains(status, []byte("\r\n")) || len(status) < 3 {
		return nil, false
	}
	code, err := strconv.Atoi(string(status[:3]))
	if err != nil || code < 400 || code > 599 {
		return nil, false
	}
	var msg string
	switch code {
	case 431:
		msg = "request headers are too large: send fewer or shorter headers (cookies, tokens)"
	case 501:
		msg = "unsupported transfer encoding: send the body with Content-Length or chunked"
	default:
		// "400 Bad Request: missing required Host header" says why;
		// "400 Bad Request" alone, that the request is not HTTP/1.x.
		_, why, _ := bytes.Cut(text, []byte(": "))
		msg = "malformed HTTP request"
		if len(why) > 0 {
			msg += ": " + string(why)
		}
	}
	body, _ := json.Marshal(errorBody{Error: msg}) // a string cannot fail to marshal
	return fmt.Appendf(nil, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, len(body), body), true
}
