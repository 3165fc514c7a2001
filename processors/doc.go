// Package processors holds the logic of logpulse's two stream stages, free of
// any client wiring so it can be tested as plain Go:
//
//   - Windower turns a polled batch of input records into pre-aggregated
//     deltas, one per (service, window), plus dead-letter and late records.
//     The caller writes them in one Kafka transaction with the input offsets.
//   - Aggregator is the goka callback that folds deltas into the compacted
//     aggregate table, skipping redelivered deltas by offset.
//
// Window maths (window.go) are pure functions of event time and stream time;
// nothing here reads the wall clock, so replaying the same input gives the
// same table. Topic names and partitioning are injected: this package never
// imports topology.
package processors
