// Package pipeline runs logpulse's stages against a Kafka cluster: ingest (a
// franz-go transactional consumer around processors.Windower), aggregate (the
// goka processor of topology.AggregateGraph) and view (a goka view feeding
// the rollup index the HTTP API reads). Each stage is a Run(ctx) that
// returns when ctx is done; Supervise restarts a stage that fails.
package stage
