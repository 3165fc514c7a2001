// Package integration holds end-to-end tests of the logpulse binary: each
// test builds it, runs it as a child process on the embedded broker (or
// against a real cluster when LOGPULSE_TEST_BROKERS is set), produces with
// real Kafka clients and checks the counts the HTTP API reports.
package integration
