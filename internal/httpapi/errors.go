package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
)

// errNotFound answers a path that no route serves.
var errNotFound = errors.New("not found")

// paramError is a query parameter the client must change: 400.
type paramError struct {
	param string
	msg   string // says what to send instead
}

func (e *paramError) Error() string { return e.msg }

func paramErrorf(param, format string, args ...any) *paramError {
	return &paramError{param: param, msg: fmt.Sprintf(format, args...)}
}

// methodError is a path served only for other methods: 405.
type methodError struct {
	allow string // the Allow header
}

func (e *methodError) Error() string {
	return "method not allowed, use " + e.allow
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error string `json:"error"`
	Param string `json:"param,omitempty"`
}

// writeError is the one place that turns an error into a response. Errors
// of the types above are the client's to fix and are sent as they are; any
// other error is ours: it is logged in full and the client gets a short
// message.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		status int
		body   errorBody
		pe     *paramError
		me     *methodError
		be     *bodyError
	)
	switch {
	case errors.As(err, &be):
		status, body = be.status, errorBody{Error: be.msg}
	case errors.As(err, &pe):
		status, body = http.StatusBadRequest, errorBody{Error: pe.msg, Param: pe.param}
	case errors.As(err, &me):
		w.Header().Set("Allow", me.allow)
		status, body = http.StatusMethodNotAllowed, errorBody{Error: me.Error()}
	case errors.Is(err, errNotFound):
		status, body = http.StatusNotFound, errorBody{Error: err.Error()}
	default:
		s.log.ErrorContext(r.Context(), "internal error",
			"method", r.Method, "path", r.URL.Path, "query", redactedQuery(r), "error", err)
		status, body = http.StatusInternalServerError, errorBody{Error: "internal error"}
	}
	b, _ := json.Marshal(body) // two strings cannot fail to marshal
	writeBody(w, status, b)
}

// recoverPanics turns a panic in a handler (a broken Source, say) into a
// logged 500 rather than a dropped connection. Handlers build the whole
// response before writing it, so nothing has been written when one panics.
func (s *server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
		}()
		next.ServeHTTP(w, r)
	})
}

// redactedQuery is the request's query without the API token.
func redactedQuery(r *http.Request) string {
	q := r.URL.Query()
	if q.Has("access_token") {
		q.Set("access_token", "REDACTED")
	}
	return q.Encode()
}
