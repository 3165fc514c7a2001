// Package codecs holds what logpulse reads and stores: the LogEvent decoded
// from a record on the input topic, the six log levels, and the values of the
// deltas topic and the aggregate table together with their goka codecs.
//
// The table values outlive a deploy (they sit in a compacted topic), so their
// wire format is pinned by golden files in testdata/.
package codecs
