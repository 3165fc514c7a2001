package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
	"github.com/logpulse/logpulse/internal/view"
)

// levelsResponse is the body of GET /v1/levels.
type levelsResponse struct {
	From        time.Time  `json:"from"`
	To          time.Time  `json:"to"`
	StepSeconds int64      `json:"step_seconds"`
	SizeSeconds int64      `json:"size_seconds"`
	Service     string     `json:"service,omitempty"`
	Levels      []string   `json:"levels,omitempty"` // the level= filter
	Watermark   *time.Time `json:"watermark"`        // null when unknown
	// WatermarkBy says why windows are not final yet: which input
	// partition holds the watermark, which are left out as idle, which
	// have not reported.
	WatermarkBy watermarkBy      `json:"watermark_by"`
	Windows     []levelsWindow   `json:"windows"`
	Totals      map[string]int64 `json:"totals"`
	Total       int64            `json:"total"`

	cols   []codecs.Level // CSV columns: the filter, or every level
	counts []table.Counts // per window, for CSV
}

// levelsWindow is one step of the series.
type levelsWindow struct {
	Start  time.Time        `json:"start"`
	End    time.Time        `json:"end"`
	Counts map[string]int64 `json:"counts"`
	Total  int64            `json:"total"`
	Final  bool             `json:"final"`
	Late   int64            `json:"late"`
}

// handleLevels serves counts per level as a dense series of steps.
func (s *server) handleLevels(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseLevels(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	csvOK, err := wantsCSV(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if csvOK {
		s.respond(w, r, s.levels(q))
		return
	}
	// The seq is read before the answer is built: if the source changes
	// meanwhile, the answer is kept under the older seq, which the next
	// request (at the newer seq) does not use.
	_, seq, _ := s.src.Changes(math.MaxUint64)
	key := q.cacheKey()
	if body, ok := s.levelsCache.get(seq, key); ok {
		writeBody(w, http.StatusOK, body)
		return
	}
	resp := s.levels(q)
	body, err := encodeJSON(resp)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode %T: %w", resp, err))
		return
	}
	s.levelsCache.put(seq, key, body)
	writeBody(w, http.StatusOK, body)
}

// csvTable: one row per window, one column per level.
func (l levelsResponse) csvTable() ([]string, [][]string) {
	header := []string{"start", "end", "final", "late", "total"}
	for _, lv := range l.cols {
		header = append(header, lv.String())
	}
	rows := make([][]string, len(l.Windows))
	for i, w := range l.Windows {
		row := []string{csvTime(w.Start), csvTime(w.End), strconv.FormatBool(w.Final), itoa(w.Late), itoa(w.Total)}
		for _, lv := range l.cols {
			row = append(row, itoa(l.counts[i][lv]))
		}
		rows[i] = row
	}
	return header, rows
}

func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
func itoa(n int64) string        { return strconv.FormatInt(n, 10) }

func (s *server) levels(q levelsQuery) levelsResponse {
	// The watermark is read before the counts: with a newer watermark than
	// the counts, a window could be called final while its last deltas are
	// still missing from the answer.
	wm, hold := s.src.Watermark(), s.src.Hold()
	type step struct{ counts, late table.Counts }
	// Hopping points (size > step) each sum the last k steps, so the
	// series starts k-1 steps before from.
	k := int(q.size / q.step)
	lo := q.from.Add(-time.Duration(k-1) * q.step)
	steps := make([]step, q.points+k-1)
	loSec, fromSec, stepSec := lo.Unix(), q.from.Unix(), int64(q.step/time.Second)
	for _, bw := range s.src.Windows(lo, q.to, q.service) {
		// The Source promises [lo, to); checking costs nothing and keeps
		// a stray window from indexing out of range.
		if bw.Start.Before(lo) || !bw.Start.Before(q.to) {
			continue
		}
		i := (bw.Start.Unix() - loSec) / stepSec
		steps[i].counts.Add(bw.Counts)
		steps[i].late.Add(bw.Late)
	}

	resp := levelsResponse{
		From:        q.from,
		To:          q.to,
		StepSeconds: stepSec,
		SizeSeconds: int64(q.size / time.Second),
		Service:     q.service,
		Windows:     make([]levelsWindow, q.points),
		cols:        q.levels.list(),
		counts:      make([]table.Counts, q.points),
	}
	if q.levels != nil {
		for _, lv := range q.levels {
			resp.Levels = append(resp.Levels, lv.String())
		}
	}
	if !wm.IsZero() {
		u := wm.UTC()
		resp.Watermark = &u
	}
	resp.WatermarkBy = watermarkByOf(hold)
	var totals table.Counts
	for i := range q.points {
		var pt step
		for _, st := range steps[i : i+k] {
			pt.counts.Add(st.counts)
			pt.late.Add(st.late)
		}
		pt.counts, pt.late = q.levels.mask(pt.counts), q.levels.mask(pt.late)
		resp.counts[i] = pt.counts
		// Unix seconds, not q.from.Add(i*step): i*step can overflow a
		// Duration when the step is years long.
		end := time.Unix(fromSec+int64(i+1)*stepSec, 0).UTC()
		start := end.Add(-q.size)
		resp.Windows[i] = levelsWindow{
			Start:  start,
			End:    end,
			Counts: pt.counts.Map(),
			Total:  pt.counts.Total(),
			// Every base window in the point ends by end, so the point
			// is final when its last one is.
			Final: !wm.IsZero() && !end.Add(s.grace).After(wm),
			Late:  pt.late.Total(),
		}
		// Totals count each step once, however the points overlap.
		totals.Add(q.levels.mask(steps[i+k-1].counts))
	}
	resp.Totals = totals.Map()
	resp.Total = totals.Total()
	return resp
}

// watermarkBy is the watermark_by object of /v1/levels.
type watermarkBy struct {
	// Partition is the input partition at the watermark; null with no
	// watermark.
	Partition *int32 `json:"partition"`
	// Idle are the input partitions left out as idle: read to their end,
	// and quiet for --idle-after while another carried records.
	Idle []int32 `json:"idle"`
	// NotReported are the input partitions ingest has not reported yet
	// (nothing is final until every one has), and TablePartitions how
	// many table partitions of how many hold a watermark.
	NotReported     []int32 `json:"not_reported"`
	TablePartitions string  `json:"table_partitions"`
}

func watermarkByOf(h view.Hold) watermarkBy {
	w := watermarkBy{Idle: h.Idle, NotReported: h.NotReported,
		TablePartitions: strconv.Itoa(int(h.TablePartitions)) + "/" + strconv.Itoa(int(h.Partitions))}
	if w.Idle == nil {
		w.Idle = []int32{}
	}
	if w.NotReported == nil {
		w.NotReported = []int32{}
	}
	if h.HeldBy >= 0 {
		p := h.HeldBy
		w.Partition = &p
	}
	return w
}
