#!/usr/bin/env bash
# What `--otlp-export` costs the exporting process: the CPU time (user + system) of
# `meshtop demo --headless --rps RPS --duration D` without export and with it, sending to a
# `meshtop watch --headless` in another process; ROUNDS alternating pairs, then the medians and
# their ratio. Target: ≤ 1.10 at 1,000 req/s. Also checks that the watch received the storefront.
# Loopback only.
#
# Usage: Benchmarks/scripts/otlp-export-cpu.sh [RPS] [DURATION] [ROUNDS] [BINARY]
#        (defaults 1000 20s 3; without BINARY: builds and uses the release binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
rps=${1:-1000}
duration=${2:-20s}
rounds=${3:-3}
. Tests/EndToEnd/serve-lib.sh
bin=$(release_or "${4:-}")
work=$(mktemp -d)
watch_pid=""
trap '[ -n "$watch_pid" ] && kill -KILL "$watch_pid" 2>/dev/null; rm -rf "$work"' EXIT

"$bin" watch --headless --otlp-listen 127.0.0.1:0 --listen 127.0.0.1:0 >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
disown "$watch_pid"
for _ in $(seq 100); do grep -q '^serving otlp on http://' "$work/watch.out" 2>/dev/null && break; sleep 0.1; done
otlp=$(grep -o 'receiving OTLP on http://[0-9.:]*' "$work/watch.out" | cut -d' ' -f4)
api=$(grep -o 'serving otlp on http://[0-9.:]*' "$work/watch.out" | cut -d' ' -f4)
[ -n "$otlp" ] || { echo "otlp-export-cpu: the watch did not start: $(cat "$work/watch.err")" >&2; exit 1; }

# cpu_seconds ARGS...: runs the headless demo with ARGS and prints its user + system CPU seconds.
cpu_seconds() {
    local TIMEFORMAT='%U %S'
    { time "$bin" demo --headless --seed 1 --rps "$rps" --duration "$duration" "$@" >/dev/null 2>"$work/demo.err"; } 2>"$work/time"
    awk '{ printf "%.2f\n", $1 + $2 }' "$work/time"
}

plain=(); exported=()
for round in $(seq "$rounds"); do
    plain+=("$(cpu_seconds)")
    exported+=("$(cpu_seconds --otlp-export "$otlp")")
    echo "round $round: without export ${plain[-1]} s CPU, with export ${exported[-1]} s CPU"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
a=$(median "${plain[@]}"); b=$(median "${exported[@]}")
services=$(curl -s "$api/api/v1/snapshot" | grep -o '"name":"[a-z-]*-service"' | sort -u | wc -l)
awk -v a="$a" -v b="$b" -v rps="$rps" -v d="$duration" -v s="$services" 'BEGIN {
    printf "demo --headless --rps %s --duration %s: median %.2f s CPU without export, %.2f s with; ratio %.3f (target <= 1.10); the watch saw %d storefront services\n", rps, d, a, b, b / a, s }'
