package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// writeJSON sends v with status. It encodes before writing anything, so an
// encoding failure can still become a clean 500.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode %T: %w", v, err))
		return
	}
	writeBody(w, status, b)
}

// writeBody writes a JSON body with the headers every response carries.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
