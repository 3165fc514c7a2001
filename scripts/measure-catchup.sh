#!/usr/bin/env bash
# Rough catch-up throughput until `logpulse bench` exists (issue 6): fill
# `logs` on an embedded broker with N generated JSON events, then start
# `logpulse run` on that data and time until /v1/levels shows all N.
# Usage: scripts/measure-catchup.sh [N]   (builds ./logpulse first)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
BIN=$(mktemp -d)/logpulse
go build -o "$BIN" ./cmd/logpulse
BPORT=$((19300 + RANDOM % 500)); HPORT=$((18300 + RANDOM % 500))
D=$(mktemp -d)
trap 'pkill -INT -f "$BIN run --data-dir $D" || true; rm -rf "$D" "$(dirname "$BIN")"' EXIT

"$BIN" broker --listen 127.0.0.1:$BPORT --data-dir "$D/broker" > "$D/broker.log" 2>&1 &
BP=$!
sleep 1
"$BIN" topics --brokers 127.0.0.1:$BPORT > /dev/null
"$BIN" produce --generate --rate 0 --count "$N" --brokers 127.0.0.1:$BPORT --seed 1 2>&1 | tail -1
kill -INT $BP; wait $BP

start=$(date +%s.%N)
/usr/bin/time -f "peak RSS of run: %M KB" -o "$D/rss" \
  "$BIN" run --data-dir "$D" --broker-listen 127.0.0.1:$BPORT --http 127.0.0.1:$HPORT > "$D/run.log" 2>&1 &
RP=$!
deadline=$((SECONDS + 300))
while :; do
  t=$(curl -s "127.0.0.1:$HPORT/v1/levels?from=-2h" | python3 -c "import json,sys; print(json.load(sys.stdin)['total'])" 2>/dev/null || echo 0)
  [ "$t" = "$N" ] && break
  [ $SECONDS -gt $deadline ] && { echo "gave up: $t of $N counted"; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
python3 -c "s=$end-$start; print(f'counted $N in {s:.2f} s from a cold start => {int($N/s)} events/s')"
pkill -INT -f "$BIN run --data-dir $D"; wait $RP || true
cat "$D/rss"
