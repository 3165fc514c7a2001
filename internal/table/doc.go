// Package table holds what the pipeline stores between its stages: the
// deltas ingest writes (Delta), the aggregate table's values, their keys
// (WindowKey, WatermarkKey, OverflowKey), the per-level counts, samples and
// message templates they carry, and their goka codecs.
//
// The table values outlive a deploy (they sit in a compacted topic), so their
// wire format is pinned by golden files in testdata/.
package table
