// Package app builds and runs logpulse's stages from a Config: the embedded
// broker, topic provisioning, ingest, aggregate, and the view with its HTTP
// API and alerts. It owns their one lifecycle (Run starts the selected
// modules, supervises and restarts them, stops them together and closes the
// embedded broker last), their one readiness model (each stage holds a
// gate; /readyz is ready when every gate is open), the Prometheus registry,
// consumer lag metrics, and the start-up checks and warnings. cmd/logpulse
// parses and validates flags into a Config and calls Run; see
// docs/design.md, Layout.
package app
