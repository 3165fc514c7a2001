package view

import (
	"cmp"
	"slices"
	"time"

	"github.com/logpulse/logpulse/codecs"
	"github.com/logpulse/logpulse/internal/table"
)

// Events implements httpapi.Source: the newest sampled events of level in
// windows starting in [from, to), of one service or all, newest first.
func (ix *Index) Events(level codecs.Level, service string, from, to time.Time, limit int) []Event {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	type found struct {
		s       table.Sample
		service string
	}
	var all []found
	add := func(name string, e *entry) {
		for _, s := range e.samples {
			if s.Level == level {
				all = append(all, found{s, name})
			}
		}
	}
	ix.each(from, to, func(_ int64, b *bucket) {
		if service != "" {
			if e := b.services[service]; e != nil {
				add(service, e)
			}
			return
		}
		for name, e := range b.services {
			add(name, e)
		}
	})
	slices.SortFunc(all, func(a, b found) int {
		return cmp.Or(cmp.Compare(b.s.TimeMs, a.s.TimeMs), cmp.Compare(a.service, b.service),
			cmp.Compare(b.s.Partition, a.s.Partition), cmp.Compare(b.s.Offset, a.s.Offset))
	})
	out := make([]Event, 0, min(len(all), limit))
	for _, f := range all[:min(len(all), limit)] {
		out = append(out, Event{
			Time: time.UnixMilli(f.s.TimeMs).UTC(), Level: f.s.Level, Service: f.service,
			Host: f.s.Host, Message: f.s.Message,
		})
	}
	return out
}

// Messages implements httpapi.Source: message templates of level summed
// over windows starting in [from, to), of one service or all, and how many
// events of the level had a template that was not kept.
func (ix *Index) Messages(level codecs.Level, service string, from, to time.Time) (map[string]int64, int64) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	counts := make(map[string]int64)
	var other int64
	add := func(e *entry) {
		if int(level) >= codecs.NumLevels || e.messages[level] == nil {
			return
		}
		m := e.messages[level]
		for t, n := range m.Counts {
			counts[t] += n
		}
		other += m.Other
	}
	ix.each(from, to, func(_ int64, b *bucket) {
		if service != "" {
			if e := b.services[service]; e != nil {
				add(e)
			}
			return
		}
		for _, e := range b.services {
			add(e)
		}
	})
	return counts, other
}
