package pipeline

import (
	"sync"
	"time"
)

// stallClock tells, from the offsets read at each scrape, how long a
// consumer group has made no progress while work waited for it: the sign of
// a stage stuck in a rebalance, or of partitions that no live member owns.
//
// Lag alone cannot tell: a transactional topic read to its end keeps a lag
// of its commit marker, and a transaction aborted after the last commit (in
// a rebalance, or by its timeout after a crash) stays behind a sarama
// consumer's committed offset until more records come. So work is taken to
// wait when the group is behind and its source moved: new records at the end
// of the input topic for ingest, newly committed ingest transactions (its
// committed input offsets) for the aggregate. An abort moves neither.
type stallClock struct {
	mu     sync.Mutex
	groups map[string]*stallState
}

type stallState struct {
	committed, source int64     // offset sums at the last scrape
	waiting           time.Time // work seen waiting since; zero: none
}

// observe records a scrape at now of group: the sums of its committed
// offsets and of its source's, and whether it is behind (more than a
// commit marker on some partition). It returns how long work has waited
// without the group making progress, 0 if none waits.
func (s *stallClock) observe(group string, committed, source int64, behind bool, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups == nil {
		s.groups = make(map[string]*stallState)
	}
	st, known := s.groups[group]
	if !known {
		// No history: behind at the first sighting counts as work
		// waiting from now on.
		st = &stallState{committed: committed, source: source}
		s.groups[group] = st
	}
	progressed := committed != st.committed
	fed := !known || source != st.source
	st.committed, st.source = committed, source
	switch {
	case !behind:
		st.waiting = time.Time{}
		return 0
	case progressed:
		// Still behind after progress: work waits from now on.
		st.waiting = now
	case fed && st.waiting.IsZero():
		st.waiting = now
	}
	if st.waiting.IsZero() {
		return 0
	}
	return now.Sub(st.waiting)
}
