package amqpbridge

// idSet remembers the newest n message ids written: a ring in the order
// they were added, and a count per id (an id written again after the ring
// moved past it is in the ring twice).
type idSet struct {
	ring  []string
	next  int
	count map[string]int
}

func newIDSet(n int) *idSet {
	n = max(n, 0)
	return &idSet{ring: make([]string, 0, n), count: make(map[string]int, n)}
}

func (s *idSet) has(id string) bool { return s.count[id] > 0 }

func (s *idSet) add(id string) {
	if cap(s.ring) == 0 {
		return
	}
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, id)
	} else {
		old := s.ring[s.next]
		if s.count[old]--; s.count[old] <= 0 {
			delete(s.count, old)
		}
		s.ring[s.next] = id
		s.next = (s.next + 1) % cap(s.ring)
	}
	s.count[id]++
}

func (s *idSet) len() int { return len(s.count) }
