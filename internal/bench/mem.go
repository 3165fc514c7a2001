package bench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// memSampler records, while a phase runs, the peak heap (live and not yet
// collected objects) and the peak resident set of the process. Phases share
// the process, so the resident peak of a later phase includes what an
// earlier one left for the OS to take back; the heap peak is per phase.
type memSampler struct {
	stop     chan struct{}
	done     sync.WaitGroup
	heapPeak uint64
	rssPeak  uint64
}

// startMem collects garbage first, so a phase does not inherit the previous
// phase's garbage in its heap figure.
func startMem() *memSampler {
	runtime.GC()
	debug.FreeOSMemory()
	m := &memSampler{stop: make(chan struct{})}
	m.sample()
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sample()
			}
		}
	}()
	return m
}

func (m *memSampler) sample() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		m.heapPeak = max(m.heapPeak, s[0].Value.Uint64())
	}
	m.rssPeak = max(m.rssPeak, procStatus("VmRSS:"))
}

// finish stops sampling and returns the phase's peak heap and resident set
// and the process's resident high-water mark so far, in bytes.
func (m *memSampler) finish() (heapPeak, rssPeak, hwm uint64) {
	close(m.stop)
	m.done.Wait()
	m.sample()
	return m.heapPeak, m.rssPeak, procStatus("VmHWM:")
}

// procStatus reads a kB field of /proc/self/status in bytes; 0 where there
// is no /proc.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := bytes.CutPrefix(line, []byte(field)); ok {
			kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// liveHeap collects garbage and returns the heap that survived, in bytes.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
