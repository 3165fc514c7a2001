package httpapi

import (
	"net/http"

	"github.com/logpulse/logpulse/codecs"
)

// handleLog is POST /log of the aiohttp log servers logpulse replaces: one
// event per request, typically {"timestamp": <unix seconds>, "level": ...,
// "message": ...}, answered 200 with the text OK, so their producers work
// pointed at logpulse unchanged. It is POST /v1/logs with one event: the
// same decoding, limits and errors (JSON bodies), except that an event the
// pipeline would refuse is a 400 naming why, as there is nothing else to
// answer.
func (s *server) handleLog(w http.ResponseWriter, r *http.Request) {
	if s.logs == nil {
		s.writeBodyError(w, r, &bodyError{http.StatusServiceUnavailable, "ingest not configured"})
		return
	}
	body, berr := s.readBody(w, r)
	if berr != nil {
		s.writeBodyError(w, r, berr)
		return
	}
	events, berr := splitBody(r.Header.Get("Content-Type"), body)
	if berr != nil {
		s.writeBodyError(w, r, berr)
		return
	}
	var evs []event
	for ev := range events {
		if evs = append(evs, ev); len(evs) > 1 {
			s.writeBodyError(w, r, &bodyError{http.StatusBadRequest,
				"POST /log takes one event: send several to POST /v1/logs (a JSON array, NDJSON or text lines)"})
			return
		}
	}
	if len(evs) == 0 { // an empty JSON array
		s.writeBodyError(w, r, &bodyError{http.StatusBadRequest, "POST /log takes one event: the body holds none"})
		return
	}
	ev := evs[0]
	var key []byte
	if v := r.URL.Query().Get("service"); v != "" {
		key = []byte(v)
	}
	rec := codecs.Record{Key: key, Value: ev.value, Timestamp: s.now(), ContentType: ev.contentType}
	if _, err := codecs.Decode(rec, maxEventBytes); err != nil {
		s.writeBodyError(w, r, &bodyError{http.StatusBadRequest, "event not accepted: " + err.Error()})
		return
	}
	if err := s.logs.WriteLogs(r.Context(), []LogRecord{{Key: key, Value: ev.value}}); err != nil {
		s.log.ErrorContext(r.Context(), "write logs", "records", 1, "error", err)
		s.writeBodyError(w, r, &bodyError{http.StatusServiceUnavailable,
			"cannot write to the logs topic now: the event was not accepted, send it again later"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte("OK"))
}
