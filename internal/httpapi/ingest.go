package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"strings"

	"github.com/logpulse/logpulse/codecs"
)

// LogWriter writes the records POST /v1/logs accepts to the input topic.
type LogWriter interface {
	// WriteLogs returns once every record is acknowledged, or with an
	// error: the handler then answers 503 and reports nothing accepted, so
	// the client sends the whole body again. A writer that can fail part
	// way through duplicates the part written on that retry unless it
	// writes in a transaction. The records are not touched after the
	// call, so the writer may keep them.
	WriteLogs(ctx context.Context, records []LogRecord) error
}

// LogRecord is one record for the input topic, one event each. It carries
// no content-type header: the pipeline detects the format per record, as
// the handler did when it validated it.
type LogRecord struct {
	Key, Value []byte
}

const (
	// maxEventBytes is the pipeline's default --max-event-bytes: a larger
	// event would only go to the dead-letter topic, so it is refused here.
	maxEventBytes = 1 << 20
	// maxListed caps the rejections a response lists, so that a body of
	// junk cannot make a response many times its size.
	maxListed = 1000
)

// ingestResponse is the body of a POST /v1/logs that was read.
type ingestResponse struct {
	Accepted int         `json:"accepted"`
	Rejected []rejection `json:"rejected"`
	// Omitted counts the rejections past maxListed.
	Omitted int `json:"rejected_omitted,omitempty"`
}

// rejection is an event that was not written, and why.
type rejection struct {
	Line  int    `json:"line"` // 1-based line, or element of a JSON array
	Error string `json:"error"`
}

// bodyError is a request body that cannot be read as events at all, as
// opposed to an event in it that is refused.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// writeBodyError answers a bodyError. writeError maps only the errors of
// the read-only API; this endpoint adds 413 and 503.
func (s *server) writeBodyError(w http.ResponseWriter, r *http.Request, e *bodyError) {
	s.writeJSON(w, r, e.status, errorBody{Error: e.msg})
}

// handleLogs takes log events in: a JSON object, a JSON array of objects,
// NDJSON, or text lines (see splitBody). Each event is checked as the
// pipeline will decode it; the good ones are written in one WriteLogs call,
// the others are listed with their line numbers and not written. The query
// parameter service sets the record key, which names the service of events
// whose payload does not.
func (s *server) handleLogs(w http.ResponseWriter, r *http.Request) {
	if s.logs == nil {
		s.writeBodyError(w, r, &bodyError{http.StatusServiceUnavailable, "ingest not configured"})
		return
	}
	body, err := s.readBody(w, r)
	if err != nil {
		s.writeBodyError(w, r, err)
		return
	}
	events, err := splitBody(r.Header.Get("Content-Type"), body)
	if err != nil {
		s.writeBodyError(w, r, err)
		return
	}
	var key []byte
	if v := r.URL.Query().Get("service"); v != "" {
		key = []byte(v)
	}
	// One clock reading for the request: the time of events that carry
	// none, and the reference for "too far in the future".
	now := s.now()
	resp := ingestResponse{Rejected: []rejection{}}
	var records []LogRecord
	for ev := range events {
		rec := codecs.Record{Key: key, Value: ev.value, Timestamp: now, ContentType: ev.contentType}
		if _, err := codecs.Decode(rec, maxEventBytes); err != nil {
			if len(resp.Rejected) < maxListed {
				resp.Rejected = append(resp.Rejected, rejection{Line: ev.line, Error: err.Error()})
			} else {
				resp.Omitted++
			}
			continue
		}
		records = append(records, LogRecord{Key: key, Value: ev.value})
	}
	if len(records) > 0 {
		if err := s.logs.WriteLogs(r.Context(), records); err != nil {
			s.log.ErrorContext(r.Context(), "write logs", "records", len(records), "error", err)
			s.writeBodyError(w, r, &bodyError{http.StatusServiceUnavailable,
				"cannot write to the logs topic now: nothing was accepted, send the request again later"})
			return
		}
	}
	resp.Accepted = len(records)
	s.writeJSON(w, r, http.StatusOK, resp)
}

// readBody reads the whole body, up to s.maxBody bytes.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *bodyError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if tooLarge, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, &bodyError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("body is over the limit of %d bytes: split it into several requests", tooLarge.Limit)}
	}
	if err != nil {
		return nil, &bodyError{http.StatusBadRequest, "read body: " + err.Error()}
	}
	return body, nil
}

// event is one event of a request body, not yet checked.
type event struct {
	line  int // 1-based line, or element of a JSON array
	value []byte
	// contentType is how to check the value: "application/json" forces
	// JSON; "" detects the format, as the pipeline does with a record
	// that has no content-type header.
	contentType string
}

const contentJSON = "application/json"

// bodyFormat is what a request's Content-Type says about its body.
type bodyFormat uint8

const (
	bodyDetect bodyFormat = iota // no type, or one that names no format (curl -d sends a form type)
	bodyJSON                     // a JSON object, an array of objects, or objects one per line
	bodyNDJSON                   // one JSON object per line
	bodyText                     // one event per line
)

func bodyFormatOf(contentType string) bodyFormat {
	mt, _, err := mime.ParseMediaType(contentType) // lower-cases mt
	if err != nil {
		return bodyDetect
	}
	switch mt {
	case "application/json":
		return bodyJSON
	case "application/x-ndjson", "application/ndjson", "application/jsonl",
		"application/x-jsonlines", "application/jsonlines":
		return bodyNDJSON
	case "text/plain":
		return bodyText
	}
	if strings.HasSuffix(mt, "+json") {
		return bodyJSON
	}
	return bodyDetect
}

var byteOrderMark = []byte("\uFEFF")

// splitBody reads a request body as events. A JSON array gives one event
// per element, re-encoded compactly; a body that is one JSON value (even
// over several lines) is one event; otherwise each line is an event and
// blank lines are skipped. Without a declared format, a body whose lines
// all start with '{' is NDJSON, and one starting with '[' that is no JSON
// array is text ("[2024-05-01 12:00:00] ERROR ..."). The error is for a
// body that holds no events at all, or a malformed declared JSON array.
func splitBody(contentType string, body []byte) (iter.Seq[event], *bodyError) {
	body = bytes.TrimPrefix(body, byteOrderMark)
	v := bytes.TrimSpace(body)
	if len(v) == 0 {
		return nil, &bodyError{http.StatusBadRequest,
			"body is empty: send a JSON object, a JSON array of objects, NDJSON or text lines"}
	}
	f := bodyFormatOf(contentType)
	switch {
	case f == bodyNDJSON:
		return lines(body, contentJSON), nil
	case f == bodyText:
		return lines(body, ""), nil
	case v[0] == '[':
		elems, err := splitArray(v)
		if err == nil {
			return elems, nil
		}
		if f == bodyJSON {
			return nil, err
		}
	case v[0] == '{' && json.Valid(v):
		return single(event{line: 1, value: compact(v), contentType: contentJSON}), nil
	case v[0] == '{' && (f == bodyJSON || allObjects(v)):
		return lines(body, contentJSON), nil
	case f == bodyJSON:
		return nil, &bodyError{http.StatusBadRequest,
			"an application/json body must be a JSON object, an array of objects, or objects one per line"}
	}
	return lines(body, ""), nil
}

// splitArray reads v, which starts with '[', as a JSON array. Elements that
// are not objects are still events, for Decode to refuse with a reason.
func splitArray(v []byte) (iter.Seq[event], *bodyError) {
	var elems []json.RawMessage
	if err := json.Unmarshal(v, &elems); err != nil {
		msg := err.Error()
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			msg = fmt.Sprintf("%s at byte %d", msg, se.Offset)
		}
		return nil, &bodyError{http.StatusBadRequest, "malformed JSON array: " + msg}
	}
	return func(yield func(event) bool) {
		for i, raw := range elems {
			if !yield(event{line: i + 1, value: compact(raw), contentType: contentJSON}) {
				return
			}
		}
	}, nil
}

// compact returns valid JSON without the insignificant spaces, in a new
// slice: each element becomes its own record value.
func compact(raw []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(raw))
	if err := json.Compact(&b, raw); err != nil {
		return raw // not valid JSON: Decode says why
	}
	return b.Bytes()
}

// lines gives each non-blank line of body, without its line break.
func lines(body []byte, contentType string) iter.Seq[event] {
	return func(yield func(event) bool) {
		n := 0
		for line := range bytes.Lines(body) {
			n++
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if !yield(event{line: n, value: line, contentType: contentType}) {
				return
			}
		}
	}
}

// allObjects reports whether v has several lines and every non-blank one
// starts with '{': NDJSON sent without saying so.
func allObjects(v []byte) bool {
	n := 0
	for line := range bytes.Lines(v) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			return false
		}
		n++
	}
	return n > 1
}

func single(ev event) iter.Seq[event] {
	return func(yield func(event) bool) { yield(ev) }
}
