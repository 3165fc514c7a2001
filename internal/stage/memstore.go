package stage

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/logpulse/logpulse/internal/table"
	"github.com/lovoo/goka/storage"
)

// memStore is the aggregate's local storage of one table partition: a plain
// map, rebuilt from the compacted table on every start.
//
// It replaces goka's storage.NewMemory for two reasons. goka's keeps a
// sorted key slice and re-sorts it on every new key, so recovering n keys
// costs O(n² log n): minutes for a day of windows. And it never forgets a
// key, while windows must leave the state once they are older than the
// retention (docs/design.md, Invariants: bounded): memStore drops them
// when the partition's watermark moves past them.
type memStore struct {
	window, retention time.Duration
	inputs            int32 // partitions of the input topic (table.WatermarkOf)

	mu     sync.RWMutex
	values map[string][]byte
	// services counts the service keys of each window (unix s) for the
	// cap of services per window (processors.ServiceCap): every key
	// goes through Set, in recovery too, and leaves through Delete or a
	// sweep. Watermark and overflow keys are not services.
	services map[int64]int
	offset   *int64
	wm       map[int32]table.Input // per input partition, from watermark keys
	mark     table.Watermark       // table.WatermarkOf(wm)
	// highest is the highest watermark this partition has had (unix ms),
	// also before a restart (the FinalMs of the watermark values): it
	// never goes back when an idle input partition comes back.
	highest int64
	cutoff  int64 // window keys starting before this (unix s) were dropped
	newest  int64 // start of the newest window holding counts (unix s)
	// oldest is at most the start of the oldest window key held (unix s;
	// math.MaxInt64: none), so that a sweep that would drop nothing is not made: a
	// backfill moves the cutoff every window, with nothing behind it.
	oldest int64
}

// memStoreBuilder builds a memStore per table partition and, if stores is
// not nil, records it there for the cap's counts.
func memStoreBuilder(window, retention time.Duration, inputs int32, stores *partitionStores) storage.Builder {
	return func(_ string, partition int32) (storage.Storage, error) {
		m := &memStore{
			window: window, retention: retention, inputs: inputs,
			values: make(map[string][]byte), wm: make(map[int32]table.Input), services: make(map[int64]int),
			oldest: math.MaxInt64,
		}
		stores.put(partition, m)
		return m, nil
	}
}

// partitionStores holds the latest memStore of each table partition: the
// aggregator asks it how many services a window holds (goka gives its
// callbacks no access to the storage). A partition's store is replaced
// when the partition is assigned again, before its messages are processed.
type partitionStores struct {
	mu sync.Mutex
	m  map[int32]*memStore
}

func (s *partitionStores) put(p int32, m *memStore) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[int32]*memStore)
	}
	s.m[p] = m
}

// Count implements processors.ServiceCap.Count.
func (s *partitionStores) Count(p int32, start int64) int {
	s.mu.Lock()
	m := s.m[p]
	s.mu.Unlock()
	if m == nil {
		return 0
	}
	return m.servicesOf(start)
}

// Final implements processors.Aggregator.Final.
func (s *partitionStores) Final(p int32, start int64) bool {
	s.mu.Lock()
	m := s.m[p]
	s.mu.Unlock()
	return m != nil && m.final(start)
}

// final reports whether the window starting at start (unix s) is closed
// at the watermark of the watermark keys this partition holds.
func (m *memStore) final(start int64) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return table.Closed(time.Unix(start, 0).Add(m.window).UnixMilli(), m.mark.GraceMs, m.highest)
}

// Mark implements processors.Aggregator.Mark.
func (s *partitionStores) Mark(p int32) int64 {
	s.mu.Lock()
	m := s.m[p]
	s.mu.Unlock()
	if m == nil {
		return 0
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.highest
}

// servicesOf returns how many service keys the window starting at start
// (unix s) holds.
func (m *memStore) servicesOf(start int64) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.services[start]
}

// countService adds d to the count of service keys of the window starting
// at ws (unix s). Callers hold m.mu.
func (m *memStore) countService(ws int64, d int) {
	if m.services[ws] += d; m.services[ws] <= 0 {
		delete(m.services, ws)
	}
}

// serviceWindow returns the window (unix s) of k if k is a service key.
func serviceWindow(k string) (int64, bool) {
	if table.IsWatermarkKey(k) || table.IsOverflowKey(k) {
		return 0, false
	}
	_, start, err := table.ParseWindowKey(k)
	return start.Unix(), err == nil
}

func (m *memStore) Open() error          { return nil }
func (m *memStore) Close() error         { return nil }
func (m *memStore) MarkRecovered() error { return nil }
func (m *memStore) Has(k string) (bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.values[k]
	return ok, nil
}

func (m *memStore) Get(k string) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if v, ok := m.values[k]; ok {
		return v, nil
	}
	if m.expired(k) {
		// A value no delta applies to (table.ExpiredValue), built per
		// call: goka may keep what Get returns.
		exp := table.ExpiredValue()
		return table.AppendValue(nil, &exp), nil
	}
	return nil, nil
}

// expired reports whether k is a window key the store has dropped (or
// would have). Callers hold m.mu.
func (m *memStore) expired(k string) bool {
	if m.cutoff == 0 || table.IsWatermarkKey(k) {
		return false
	}
	_, start, err := table.ParseWindowKey(k)
	return err == nil && start.Unix() < m.cutoff
}

func (m *memStore) Set(k string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if table.IsWatermarkKey(k) {
		m.values[k] = v
		m.advance(k, v)
		return nil
	}
	_, start, err := table.ParseWindowKey(k)
	if err != nil {
		m.values[k] = v // no window's: nothing to count or expire
		return nil
	}
	ws := start.Unix()
	if ws < m.cutoff {
		return nil // recovery replaying a window already past the retention
	}
	if _, ok := m.values[k]; !ok && !table.IsOverflowKey(k) {
		m.countService(ws, 1)
	}
	m.values[k] = v
	m.newest = max(m.newest, ws)
	m.oldest = min(m.oldest, ws)
	return nil
}

func (m *memStore) Delete(k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.values[k]; ok {
		if ws, ok := serviceWindow(k); ok {
			m.countService(ws, -1)
		}
		delete(m.values, k)
	}
	return nil
}

func (m *memStore) GetOffset(def int64) (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.offset == nil {
		return def, nil
	}
	return *m.offset, nil
}

func (m *memStore) SetOffset(o int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.offset = &o
	return nil
}

// advance records a watermark, moves the partition's watermark, and drops
// the windows that ended more than the retention before the lowest stream
// time of the input partitions that carried records (idle ones too: one
// that comes back counts in windows its own stream time keeps open) and
// before the newest window with counts (retentionCutoff). Callers hold
// m.mu.
func (m *memStore) advance(k string, v []byte) {
	in, err := table.ParseWatermarkKey(k)
	if err != nil {
		return
	}
	var a table.Value
	if table.DecodeValue(v, &a) != nil {
		return
	}
	m.wm[in] = a.Input()
	m.mark = table.WatermarkOf(m.wm, m.inputs)
	m.highest = max(m.highest, a.FinalMs)
	if m.mark.HeldBy < 0 {
		return
	}
	m.highest = max(m.highest, m.mark.StreamMs)
	low := int64(-1)
	for _, in := range m.wm {
		if in.StreamMs > 0 && (low < 0 || in.StreamMs < low) {
			low = in.StreamMs
		}
	}
	if low < 0 {
		return
	}
	cutoff := retentionCutoff(low, m.newest, m.window, m.retention)
	if cutoff < m.cutoff+int64(m.window/time.Second) {
		return // sweep at most once per window of progress
	}
	m.cutoff = cutoff
	if m.oldest < cutoff {
		m.oldest = math.MaxInt64
		for key := range m.values {
			if table.IsWatermarkKey(key) {
				continue
			}
			_, start, err := table.ParseWindowKey(key)
			switch ws := start.Unix(); {
			case err != nil:
			case ws < cutoff:
				delete(m.values, key)
			default:
				m.oldest = min(m.oldest, ws)
			}
		}
	}
	for ws := range m.services {
		if ws < cutoff {
			delete(m.services, ws)
		}
	}
}

// Iterator returns a sorted snapshot; the aggregate never iterates, so
// sorting here costs nothing on the hot path.
func (m *memStore) Iterator() (storage.Iterator, error) { return m.IteratorWithRange(nil, nil) }

// IteratorWithRange returns a sorted snapshot of the keys in [start, limit).
func (m *memStore) IteratorWithRange(start, limit []byte) (storage.Iterator, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	it := &memIter{i: -1}
	for k, v := range m.values {
		if (start == nil || strings.Compare(k, string(start)) >= 0) && (limit == nil || strings.Compare(k, string(limit)) < 0) {
			it.keys = append(it.keys, k)
			it.vals = append(it.vals, v)
		}
	}
	idx := make([]int, len(it.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(it.keys[a], it.keys[b]) })
	keys, vals := make([]string, len(idx)), make([][]byte, len(idx))
	for i, j := range idx {
		keys[i], vals[i] = it.keys[j], it.vals[j]
	}
	it.keys, it.vals = keys, vals
	return it, nil
}

type memIter struct {
	i    int
	keys []string
	vals [][]byte
}

func (it *memIter) Next() bool             { it.i++; return it.i < len(it.keys) }
func (it *memIter) Err() error             { return nil }
func (it *memIter) Key() []byte            { return []byte(it.keys[it.i]) }
func (it *memIter) Value() ([]byte, error) { return it.vals[it.i], nil }
func (it *memIter) Release()               { it.i = len(it.keys) }
func (it *memIter) Seek(key []byte) bool {
	it.i, _ = slices.BinarySearchFunc(it.keys, key, func(k string, t []byte) int { return bytes.Compare([]byte(k), t) })
	it.i-- // Next moves onto the first key >= key
	return it.i+1 < len(it.keys)
}

// retentionCutoff is the start (unix s) before which windows are dropped:
// those that ended more than the retention before the stream time lowMs,
// and also before the end of the newest window holding counts (newest,
// unix s; 0 if none). Stream time alone is not enough: heartbeats move it with no
// event, and then the last windows a quiet service counted would go (from
// memory; the table deletes by wall-clock retention.ms regardless).
func retentionCutoff(lowMs, newest int64, window, retention time.Duration) int64 {
	ref := time.UnixMilli(lowMs)
	if end := time.Unix(newest, 0).Add(window); newest != 0 && end.Before(ref) {
		ref = end
	}
	return ref.Add(-retention - window).Truncate(window).Unix()
}
