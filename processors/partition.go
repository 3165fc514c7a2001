package processors

import "hash/fnv"

// GokaPartition returns the partition goka places key in, for a topic of n
// partitions: FNV-1a read as int32, modulo n, then the absolute value, as
// sarama's hash partitioner (goka's table writes) and kgo's
// SaramaCompatHasher compute it. (goka's View takes the absolute value
// first; the two differ only for the hash 0x80000000.) Producers of the
// deltas topic must place keys the same way, or a key's state would live in
// a different partition from its input and be lost on restart
// (docs/design.md, Keying and partitioning).
func GokaPartition(key string, n int32) int32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	p := int32(h.Sum32()) % n
	if p < 0 {
		p = -p
	}
	return p
}

// watermarkKeys returns, for input partition inPart, one watermark key per
// deltas partition: key i lands on partition i. Every deltas partition must
// carry the stream time, because a window is final only once the aggregate
// has applied every delta before the watermark, and deltas partitions move
// independently.
func watermarkKeys(inPart, n int32, key func(inPart int32, salt int) string) []string {
	keys := make([]string, n)
	missing := n
	for salt := 0; missing > 0; salt++ {
		k := key(inPart, salt)
		if p := GokaPartition(k, n); keys[p] == "" {
			keys[p] = k
			missing--
		}
	}
	return keys
}
