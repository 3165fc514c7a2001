// Package codecs turns a record of the input topic into a LogEvent: Decode
// and Decoder read JSON, logfmt, a text line, or Avro in single-object or
// Confluent framing, told apart per record, and give a LogEvent or a
// DecodeError with a dead-letter reason. It also holds the six log levels.
//
// The values of the deltas topic and the aggregate table are in
// internal/table.
package codecs
