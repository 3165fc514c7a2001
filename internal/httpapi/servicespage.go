package httpapi

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/logpulse/logpulse/internal/table"
)

// pageRow is one service's counts over the range while a page is picked.
type pageRow struct {
	name   string
	counts table.Counts
	total  int64
}

// servicesOrder is the order of /v1/services: busiest first, then by name.
func servicesOrder(a, b pageRow) int {
	return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(a.name, b.name))
}

// servicesCursor is the last row of a page; the next page starts after it.
type servicesCursor struct {
	total int64
	name  string
}

// String is the cursor as the after parameter takes it: opaque URL-safe
// base64 of "total:name", so names with '&', '+' or spaces need no
// escaping by hand.
func (c servicesCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.total, 10) + ":" + c.name))
}

// parseServicesCursor reads an after parameter written by String.
func parseServicesCursor(v string) (servicesCursor, error) {
	bad := paramErrorf("after", "after: %q is not a cursor: pass the next field of the previous page as it is", v)
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return servicesCursor{}, bad
	}
	total, name, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(total, 10, 64)
	if !ok || err != nil || n < 0 {
		return servicesCursor{}, bad
	}
	return servicesCursor{total: n, name: name}, nil
}

// servicesPage is what the page picker found.
type servicesPage struct {
	rows    []pageRow // the page, in order
	matched int       // services in the range matching the prefix
	more    bool      // rows follow the page
}

// pickPage picks the rows of one page from the settled totals (nil for
// none) plus the windows still open, live: the first limit rows after the
// cursor in servicesOrder, by a bounded heap in one pass, so a million
// services cost a scan, not a sort.
func pickPage(base *settled, live map[string]table.Counts, q servicesQuery) servicesPage {
	var (
		p      servicesPage
		h      = pageHeap{limit: q.limit}
		after  = 0 // rows after the cursor
		prefix = q.prefix != ""
	)
	consider := func(name string, total int64, counts *table.Counts) {
		if total == 0 || (prefix && !strings.HasPrefix(name, q.prefix)) {
			return
		}
		p.matched++
		if q.after != nil && (total > q.after.total || (total == q.after.total && name <= q.after.name)) {
			return
		}
		after++
		h.offer(name, total, counts)
	}
	// A service with counts in open windows is considered once, with both
	// parts, after the scan; the scan skips its settled row by position.
	var skip []int32
	rows := make([]pageRow, 0, len(live))
	for name, c := range live {
		if base != nil {
			if i, ok := base.pos[name]; ok {
				skip = append(skip, i)
				c.Add(base.counts[i])
			}
		}
		rows = append(rows, pageRow{name: name, counts: c, total: c.Total()})
	}
	if base != nil {
		slices.Sort(skip)
		for i, name := range base.names {
			if len(skip) > 0 && skip[0] == int32(i) {
				skip = skip[1:]
				continue
			}
			consider(name, base.totals[i], &base.counts[i])
		}
	}
	for i := range rows {
		consider(rows[i].name, rows[i].total, &rows[i].counts)
	}
	p.rows = h.sorted()
	p.more = after > len(p.rows)
	return p
}

// pageHeap keeps the best limit rows offered, the worst of them at [0].
type pageHeap struct {
	limit int
	rows  []pageRow
}

// offer keeps the row if it is among the best limit so far.
func (h *pageHeap) offer(name string, total int64, counts *table.Counts) {
	if len(h.rows) == h.limit {
		w := h.rows[0]
		if total < w.total || (total == w.total && name > w.name) {
			return
		}
	}
	r := pageRow{name: name, counts: *counts, total: total}
	if len(h.rows) < h.limit {
		h.rows = append(h.rows, r)
		h.up(len(h.rows) - 1)
		return
	}
	h.rows[0] = r
	h.down(0)
}

// worse: a sorts after b.
func worse(a, b pageRow) bool { return servicesOrder(a, b) > 0 }

func (h *pageHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !worse(h.rows[i], h.rows[parent]) {
			return
		}
		h.rows[i], h.rows[parent] = h.rows[parent], h.rows[i]
		i = parent
	}
}

func (h *pageHeap) down(i int) {
	n := len(h.rows)
	for {
		w := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < n && worse(h.rows[c], h.rows[w]) {
				w = c
			}
		}
		if w == i {
			return
		}
		h.rows[i], h.rows[w] = h.rows[w], h.rows[i]
		i = w
	}
}

func (h *pageHeap) sorted() []pageRow {
	slices.SortFunc(h.rows, servicesOrder)
	return h.rows
}
