#!/usr/bin/env bash
# Starts the five services (BIN = their build directory) in dependency order
# with deploy/suite.json, waits for each to listen, and stops them all on
# Ctrl-C or SIGTERM. Stand-in until the supervisor (recod) lands.
set -euo pipefail
bin=${1:-.build/release}
data=${DATA_DIR:-data}
mkdir -p "$data/logs"
pids=()
stop() {
    trap - INT TERM EXIT
    for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT
for service in RecallService SortService CacheService RecoCenter ABRouter; do
    "$bin/$service" --config deploy/suite.json >"$data/logs/$service.out" 2>"$data/logs/$service.log" &
    pids+=($!)
    for _ in $(seq 1 300); do
        grep -q '^listening' "$data/logs/$service.out" 2>/dev/null && break
        kill -0 "${pids[-1]}" 2>/dev/null || { echo "$service failed to start:"; tail -5 "$data/logs/$service.log"; exit 1; }
        sleep 0.1
    done
    echo "run: $service $(head -1 "$data/logs/$service.out")"
done
echo "run: ready; try: $bin/recoctl recommend --user 1 -n 10   (Ctrl-C stops the suite)"
wait
