// Package codecs holds what logpulse reads and stores: Decode and Decoder,
// which turn a record of the input topic (JSON, logfmt, a text line, or Avro
// in single-object or Confluent framing, told apart per record) into a
// LogEvent or a DecodeError with a dead-letter reason; the six
// log levels; and the values of the deltas topic and the aggregate table
// together with their goka codecs.
//
// The table values outlive a deploy (they sit in a compacted topic), so their
// wire format is pinned by golden files in testdata/.
package codecs
