// Package stage runs logpulse's stages against a Kafka cluster: ingest (a
// franz-go transactional consumer around processors.Windower), aggregate
// (the goka processor of topology.AggregateGraph, with its in-memory store
// and in-order offset commits) and view (a goka view that feeds a
// view.Index). Each stage is a Run(ctx) that returns when ctx is done;
// Supervise restarts a stage that fails. It imports the stream logic
// (processors) and the Kafka shape (topology), never the HTTP layer.
package stage
