// Package topology is where logpulse's Kafka shape lives: topic names and
// their configs (topics.go; segment and cleaner settings in compaction.go),
// topic provisioning with kadm (provision.go), the client configs goka and
// franz-go need (clients.go), and the goka group graph (graph.go) — the one
// file that shows the whole stream.
package topology
