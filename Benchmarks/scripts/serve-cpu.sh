#!/usr/bin/env bash
# What watching costs `meshtop serve`: its process CPU over 30 s with no client, then over 30 s
# with a Prometheus-like scraper (GET /metrics every 1 s) and a live feed client (SSE at 250 ms,
# 4 Hz) attached; the difference is the edge's cost beyond the system's own work. Target ≤ 5% of a
# core. Loopback only. Also: wrk (Debian 'wrk') for 10 s with 64 connections against /metrics
# and /api/v1/snapshot: requests/s, p99, errors.
#
# Usage: Benchmarks/scripts/serve-cpu.sh [RPS] [BINARY]   (without BINARY: builds and uses the release binary)
set -euo pipefail
cd "$(dirname "$0")/../.."
rps=${1:-200}
. Tests/EndToEnd/serve-lib.sh
bin=$(release_or "${2:-}")
work=$(mktemp -d)
serve_pid=""; feed_pid=""
trap '[ -n "$feed_pid" ] && kill "$feed_pid" 2>/dev/null; [ -n "$serve_pid" ] && kill -KILL "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$serve_pid/stat"; }
# cpu_percent SECONDS: the process's CPU over that long, in % of a core.
cpu_percent() {
    local a b t0 t1
    a=$(ticks); t0=$(date +%s.%N)
    sleep "$1"
    b=$(ticks); t1=$(date +%s.%N)
    awk -v a="$a" -v b="$b" -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", (b - a) / hz / (t1 - t0) * 100 }'
}

start_serve "$work/out" --rps "$rps" --seed 1
wait_ready
sleep 5   # warm-up: the run's metric series exist and its windows fill
alone=$(cpu_percent 30)
curl -s -N "$base/api/v1/feed?interval=250" > /dev/null & feed_pid=$!
( for _ in $(seq 1 32); do curl -s -o /dev/null "$base/metrics"; sleep 1; done ) & scraper=$!
sleep 1
watched=$(cpu_percent 30)
wait "$scraper"
kill "$feed_pid"; feed_pid=""
echo "serve --rps $rps: alone ${alone}% of a core; scraped every 1 s + SSE feed at 4 Hz ${watched}%; the edge's cost: $(awk -v a="$alone" -v b="$watched" 'BEGIN { printf "%.2f", b - a }') points"
echo "/metrics is $(curl -s "$base/metrics" | wc -c) bytes, $(curl -s "$base/metrics" | grep -vc '^#') samples; a snapshot $(curl -s "$base/api/v1/snapshot" | wc -c) bytes"

if command -v wrk >/dev/null 2>&1; then
    for path in /metrics /api/v1/snapshot; do
        echo "wrk -t2 -c64 -d10s --latency $base$path"
        wrk -t2 -c64 -d10s --latency "$base$path" | grep -E "Requests/sec|99%|Non-2xx|Socket errors|requests in"
    done
else
    echo "wrk is not installed (Debian 'wrk'); skipping the load figures"
fi
stop_serve
echo "serve exited $stop_status"
