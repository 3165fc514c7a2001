#!/usr/bin/env bash
# How long a cold start takes to recover the aggregate table, on a real Apache
# Kafka node, with the table's segment and cleaner settings as logpulse sets
# them (`after`) or as an older release left them, the broker's defaults
# (`before`).
#
# Usage: scripts/measure-recovery.sh before|after [PASSES]
#
#  1. starts one KRaft node (scripts/kafka-node.sh) in a fresh directory;
#  2. `logpulse topics` (for `before`, then deletes the table's segment.ms,
#     segment.bytes, max.compaction.lag.ms and min.cleanable.dirty.ratio, as
#     on a topic an older release created);
#  3. writes PASSES (default 20) passes over SERVICES (100) services × WINDOWS
#     (1420: 23h40m, inside the 24 h retention) 1-minute windows, one JSON event
#     per service and window per pass, keyed by service (kcat), so that every
#     window's table value is written once per pass: many versions per key, as
#     a live pipeline writes each current window once per ingest transaction;
#  4. runs `logpulse ingest`, `aggregate` and `serve` (--grace 23h59m, so that
#     every pass counts rather than being late) until /v1/levels counts every
#     event, then stops them;
#  5. waits until the log cleaner has finished: the table's record count,
#     read with kcat, unchanged for 60 s (the cleaner looks every 15 s);
#  6. starts `logpulse serve` RUNS (3) times and times each until /readyz
#     answers 200 (its view has read the table to its end), with its peak RSS
#     (VmHWM) then.
#
# Prints records written, records a recovery reads, table bytes on disk,
# each start's seconds and peak RSS, and the median. Heavy: run it alone, e.g.
#   flock /tmp/logpulse-heavy.lock scripts/measure-recovery.sh after
#
# Environment: LOGPULSE_KAFKA_LIB, KAFKA_VERSION (as scripts/kafka-node.sh),
# PORT (Kafka, default 19640; PORT+1 for its controller), HTTP (serve, default
# 19650; ingest and aggregate take HTTP+1, HTTP+2), SERVICES, WINDOWS, RUNS,
# LOGPULSE (a built binary; default: build ./cmd/logpulse), KEEP=1 keeps the
# work directory. Needs java, kcat, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:?usage: measure-recovery.sh before|after [PASSES]}
[[ $MODE == before || $MODE == after ]] || { echo "mode must be before or after" >&2; exit 2; }
PASSES=${2:-20}
SERVICES=${SERVICES:-100}
WINDOWS=${WINDOWS:-1420}
RUNS=${RUNS:-3}
PORT=${PORT:-19640}
HTTP=${HTTP:-19650}
PARTITIONS=6 # logpulse's default --partitions
PREFIX=rec.
TABLE=${PREFIX}logpulse-aggregate-table

W=$(mktemp -d /tmp/measure-recovery.XXXXXX)
BIN=${LOGPULSE:-}
if [[ -z $BIN ]]; then
  BIN=$W/logpulse
  go build -o "$BIN" ./cmd/logpulse
fi
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  scripts/kafka-node.sh stop "$W/kafka" >/dev/null 2>&1 || true
  if [[ ${KEEP:-} == 1 ]]; then echo "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

B=$(scripts/kafka-node.sh start "$W/kafka" "$PORT" 2>"$W/kafka-start.log" | tail -n1)
LIB=${LOGPULSE_KAFKA_LIB:-$W/kafka/lib}
kafka_configs() {
  java -Xmx256m -cp "$LIB/*" -Dlog4j2.level=WARN -Dlog4j.configuration="file:$W/kafka/log4j.properties" \
    kafka.admin.ConfigCommand "$@" 2>/dev/null ||
  java -Xmx256m -cp "$LIB/*" -Dlog4j2.level=WARN org.apache.kafka.tools.ConfigCommand "$@"
}
"$BIN" topics --brokers "$B" --name-prefix "$PREFIX" --log-level warn >/dev/null
if [[ $MODE == before ]]; then
  kafka_configs --bootstrap-server "$B" --alter --entity-type topics --entity-name "$TABLE" \
    --delete-config segment.ms,segment.bytes,max.compaction.lag.ms,min.cleanable.dirty.ratio >/dev/null
fi
echo "Kafka ${KAFKA_VERSION:-4.4.0} at $B; table configs:"
kafka_configs --bootstrap-server "$B" --describe --entity-type topics --entity-name "$TABLE" |
  grep -o '^  [a-z.]*=[^ ]*' | tr -d ' ' | tr '\n' ' '
echo

# One event per (pass, service, window), passes in order, windows in time order.
EVENTS=$((PASSES * SERVICES * WINDOWS))
python3 - "$PASSES" "$SERVICES" "$WINDOWS" <<'EOF' | kcat -P -b "$B" -t "${PREFIX}logs" -K $'\t'
import sys, time, datetime, random
passes, services, windows = map(int, sys.argv[1:])
rnd = random.Random(1)
end = int(time.time()) // 60 * 60  # the current window's start; events end before it
levels = ["INFO"] * 80 + ["DEBUG"] * 10 + ["WARN"] * 7 + ["ERROR"] * 3
msgs = ["GET /api/orders/{} 200", "user {} logged in", "cache miss for key {}",
        "payment {} declined: card expired", "retrying request {} after timeout"]
out = sys.stdout
for p in range(passes):
    for w in range(windows):
        t = end - (windows - w) * 60 + p % 60
        ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for s in range(services):
            svc = "svc-%03d" % s
            m = rnd.choice(msgs).format(rnd.randrange(100000))
            out.write('%s\t{"timestamp":"%s","level":"%s","service":"%s","message":"%s"}\n'
                      % (svc, ts, rnd.choice(levels), svc, m))
EOF
echo "produced $EVENTS events ($PASSES passes × $SERVICES services × $WINDOWS windows)"

levels_total() {
  curl -s "127.0.0.1:$HTTP/v1/levels?from=-25h" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"] + sum(w["late"] for w in d["windows"]))' 2>/dev/null ||
    echo 0
}
# The stages, not `run`: `run` would set the table's configs again.
start=$(date +%s)
common=(--brokers "$B" --name-prefix "$PREFIX" --grace 23h59m --log-level warn)
"$BIN" ingest "${common[@]}" --metrics-addr "127.0.0.1:$((HTTP + 1))" >"$W/ingest.log" 2>&1 &
PIDS+=($!)
"$BIN" aggregate "${common[@]}" --metrics-addr "127.0.0.1:$((HTTP + 2))" >"$W/aggregate.log" 2>&1 &
PIDS+=($!)
"$BIN" serve "${common[@]}" --http "127.0.0.1:$HTTP" --publish-alerts=false >"$W/serve.log" 2>&1 &
PIDS+=($!)
until [[ $(levels_total) == "$EVENTS" ]]; do
  (($(date +%s) - start < 1800)) || { echo "gave up: $(levels_total) of $EVENTS counted" >&2; exit 1; }
  sleep 1
done
for p in "${PIDS[@]}"; do kill -INT "$p"; wait "$p" || true; done
PIDS=()
echo "pipeline counted all $EVENTS in $(($(date +%s) - start)) s"

# The table's end offsets: every record ever written to it.
written=$(for p in $(seq 0 $((PARTITIONS - 1))); do kcat -Q -b "$B" -t "$TABLE:$p:-1"; done |
  awk '{s += $NF} END {print s}')
readable() { kcat -C -b "$B" -t "$TABLE" -o beginning -e -q -f '%o\n' | wc -l; }
last=-1 stable=0
while ((stable < 60)); do
  n=$(readable)
  if [[ $n == "$last" ]]; then stable=$((stable + 10)); else stable=0 last=$n; fi
  sleep 10
done
echo "table: $written records written, $(readable) left to read," \
  "$(cat "$W"/kafka/data/"$TABLE"-*/*.log | wc -c | awk '{printf "%.0f", $1 / 1048576}') MiB in $(find "$W"/kafka/data/"$TABLE"-* -name '*.log' | wc -l) segments"

times=()
for r in $(seq 1 "$RUNS"); do
  t0=$(date +%s.%N)
  "$BIN" serve "${common[@]}" --http "127.0.0.1:$HTTP" --publish-alerts=false >"$W/serve-$r.log" 2>&1 &
  PIDS+=($!)
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$HTTP/readyz") == 200 ]]; do
    kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "serve exited:" >&2; tail "$W/serve-$r.log" >&2; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  got=$(levels_total)
  rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/${PIDS[-1]}/status")
  kill -INT "${PIDS[-1]}"; wait "${PIDS[-1]}" || true; unset 'PIDS[-1]'
  s=$(echo "$t1 - $t0" | bc)
  times+=("$s")
  echo "serve $r: ready after $s s, $got events visible, peak RSS $rss MiB"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median recovery: %.2f s of %d starts\n", a[int((NR+1)/2)], NR}'
