#!/usr/bin/env bash
# How long a change on a served system takes to reach an attached dashboard: `meshtop serve` with
# a token, `meshtop attach` in a tmux pane on its Breakers view; ROUNDS times, a breaker is tripped
# through the control API (curl) and the pane is read every 10 ms until its row says FORCED OPEN,
# then reset and read until it no longer does. Prints each latency and the median and maximum.
# Target: ≤ 500 ms. Loopback only.
#
# Usage: Benchmarks/scripts/attach-latency.sh [ROUNDS] [BINARY]   (without BINARY: the release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-10}
. Tests/EndToEnd/serve-lib.sh
bin=$(release_or "${2:-}")
work=$(mktemp -d)
session="attach-latency-$$"
serve_pid=""
trap 'tmux kill-session -t "$session" 2>/dev/null; [ -n "$serve_pid" ] && kill -KILL "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
breaker='order-service->payment-service'
printf 'latency-token\n' > "$work/token"
auth="Authorization: Bearer latency-token"

start_serve "$work/out" --seed 1 --token-file "$work/token"
wait_ready
tmux new-session -d -s "$session" -x 160 -y 40 "$bin attach $base --token-file $work/token"
screen() { tmux capture-pane -p -t "$session"; }
until screen | grep -q 'order-service .* payment-service'; do sleep 0.1; tmux send-keys -t "$session" 2; done

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# until_row PATTERN SHOULD: ms until the breaker's row matches (SHOULD=yes) or stops matching (no).
until_row() {
    local started row
    started=$(now_ms)
    while :; do
        row=$(screen | grep -E 'order-service (→|->) payment-service' || true)
        if [ "$2" = yes ] && grep -q "$1" <<<"$row"; then break; fi
        if [ "$2" = no ] && ! grep -q "$1" <<<"$row"; then break; fi
        if [ $(( $(now_ms) - started )) -gt 10000 ]; then echo "timeout" >&2; exit 1; fi
        sleep 0.01
    done
    echo $(( $(now_ms) - started ))
}
control() {
    curl -s -o /dev/null -w '%{http_code}' -H "$auth" -H 'Content-Type: application/json' \
        -d "{\"action\":\"$1\",\"breaker\":\"$breaker\"}" "$base/api/v1/control" | grep -q 200
}

latencies=()
for round in $(seq 1 "$rounds"); do
    control trip
    ms=$(until_row 'FORCED OPEN' yes)
    latencies+=("$ms")
    echo "round $round: trip on screen after $ms ms"
    control reset
    until_row 'FORCED OPEN' no > /dev/null
    sleep 0.$(( RANDOM % 9 + 1 ))   # trips land at different points of the feed's 250 ms
done
printf '%s\n' "${latencies[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "attach: a trip through the API on the attached screen after %d ms (median of %d), %d ms at most; target ≤ 500 ms\n", v[int((NR + 1) / 2)], NR, v[NR] }'
