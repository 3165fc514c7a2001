// Package view is logpulse's read model: Index, the in-memory rollup of the
// aggregate table (per window, the counts of every service and their sum, so
// a query over a range touches one entry per window instead of scanning
// every key), the watermark that makes windows final, sampled events and
// message templates, and a change log for live streams. It owns the types
// it answers with (Window, Event, Change); the HTTP layer renders them and
// the alert engine reads them. It imports no client and no HTTP code.
package view
