// Package table holds what the pipeline stores between its stages: the
// deltas ingest writes (Delta), the aggregate table's values (Value), their
// keys (WindowKey, WatermarkKey, OverflowKey), the per-level counts, samples
// and message templates they carry, and their goka codecs.
//
// Deltas and values are written in a versioned binary format (wire.go:
// a leading version byte); the JSON of the releases before it is still read
// (legacy.go). Table values outlive a deploy (they sit in a compacted
// topic), so both are pinned by golden files in testdata/golden.
package table
