#!/bin/bash
# Used for BENCHMARKS.md: server instructions per unary call under callgrind.
# Instructions per Health/Check call on the server: (Ir(N2) - Ir(N1)) / (N2 - N1).
cd "$(dirname "$0")/.."
body=$(mktemp); printf "\\x00\\x00\\x00\\x00\\x00" > "$body"
run() {
  rm -f /tmp/reco-cg.out.*
  valgrind --tool=callgrind --callgrind-out-file=/tmp/reco-cg.out.%p .build/release/EchoServer 50096 1 > /dev/null 2>&1 &
  sleep 10
  h2load -n $1 -c 1 -m 1 -H 'content-type: application/grpc' -H 'te: trailers' -d "$body" http://127.0.0.1:50096/grpc.health.v1.Health/Check > /dev/null 2>&1
  pkill -TERM -f "callgrind.*EchoServer 50096"; sleep 6
  callgrind_annotate /tmp/reco-cg.out.* 2>/dev/null | grep "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}'
}
a=$(run 5000); b=$(run 10000)
echo "Ir(5000)=$a Ir(10000)=$b per-call=$(( (b - a) / 5000 ))"
