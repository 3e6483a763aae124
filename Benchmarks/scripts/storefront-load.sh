#!/usr/bin/env bash
# The storefront's load figures on this machine, release build, all instrumentation on:
#   - does the open-loop generator hold a rate? (achieved rate from the headless report)
#   - resident memory over a long run (VmRSS sampled every 5 s).
#
# Usage: Benchmarks/scripts/storefront-load.sh rate RPS [DURATION]   e.g. rate 2000 10s
#        Benchmarks/scripts/storefront-load.sh rss RPS DURATION      e.g. rss 500 10m
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product meshtop >/dev/null
bin="$(swift build -c release --show-bin-path)/meshtop"
mode=${1:?rate or rss}; rps=${2:?requests per second}; duration=${3:-10s}
case "$mode" in
rate)
    "$bin" demo --headless --rps "$rps" --duration "$duration" --seed 1 | grep -E "^(TRAFFIC|INVARIANTS|ORDERS)"
    ;;
rss)
    "$bin" demo --headless --rps "$rps" --duration "$duration" --seed 3 > /tmp/meshtop-rss-report.txt &
    pid=$!
    start=$(date +%s)
    echo "seconds rss_mb"
    while kill -0 "$pid" 2>/dev/null; do
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $(( rss / 1024 ))"
        sleep 5
    done
    wait "$pid"
    grep -E "^(TRAFFIC|INVARIANTS)" /tmp/meshtop-rss-report.txt
    ;;
*) echo "usage: $0 rate|rss RPS [DURATION]" >&2; exit 2 ;;
esac
