package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// tabular is a response that also has a CSV shape: a header and rows.
type tabular interface {
	csvTable() (header []string, rows [][]string)
}

// wantsCSV reads the format a list endpoint should answer in: ?format=csv
// or json wins, else an Accept header that names text/csv before (or
// without) application/json.
func wantsCSV(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); strings.ToLower(f) {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, paramErrorf("format", "format must be json or csv, got %q", f)
	}
	for part := range strings.SplitSeq(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return true, nil
		case "application/json":
			return false, nil
		}
	}
	return false, nil
}

// respond sends v as JSON, or as CSV when the request asks for it and v has
// a CSV shape.
func (s *server) respond(w http.ResponseWriter, r *http.Request, v any) {
	csvOK, err := wantsCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if t, ok := v.(tabular); ok && csvOK {
		header, rows := t.csvTable()
		var buf bytes.Buffer
		cw := csv.NewWriter(&buf)
		cw.Write(header)
		for _, row := range rows {
			for i, cell := range row {
				row[i] = defuse(cell)
			}
		}
		cw.WriteAll(rows) // flushes; writing to a buffer cannot fail
		h := w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
		return
	}
	s.writeJSON(w, r, http.StatusOK, v)
}

// writeJSON sends v with status. It encodes before writing anything, so an
// encoding failure can still become a clean 500.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := encodeJSON(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode %T: %w", v, err))
		return
	}
	writeBody(w, status, b)
}

// jsonAppender is a response that writes its own JSON, byte for byte what
// marshalJSON would write by reflection, because it is asked for
// often enough that reflection shows (levels_json.go).
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// encodeJSON is marshalJSON, by the value's own appender when it has one.
func encodeJSON(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(make([]byte, 0, 4096))
	}
	return marshalJSON(v)
}

// marshalJSON is json.Marshal without HTML escaping: message templates hold
// "<*>", which would take 14 bytes escaped instead of 3.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeBody writes a JSON body with the headers every response carries.
// body is not changed: cached bodies are shared by concurrent requests.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
	io.WriteString(w, "\n")
}

// defuse keeps a spreadsheet from running a cell as a formula: log text
// (messages, hosts, services) comes from whoever writes to the topic, and
// a cell starting with = + - @ or a tab or CR is a formula to Excel and
// Sheets. Such a cell gets a leading ' unless it is a number.
func defuse(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if _, err := strconv.ParseFloat(cell, 64); err == nil {
		return cell
	}
	return "'" + cell
}
