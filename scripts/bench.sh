#!/usr/bin/env bash
# Go benchmarks of the hot paths, so a regression shows per commit: the
# decoder of each format, the table codec, ingest's delta building, the
# aggregate's work per delta, the view's index. A whole GET /v1/levels:
# go test ./internal/httpapi -run XXX -bench LevelsHTTP. Runs under the
# shared lock (2 cores, several users).
# Usage: scripts/bench.sh [extra go test flags, e.g. -count 5]
# The end-to-end figures come from `go run ./cmd/logpulse bench` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
exec flock /tmp/logpulse-heavy.lock go test -run '^$' -bench . -benchmem "$@" \
  ./codecs ./internal/table ./processors ./internal/view
