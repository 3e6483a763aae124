#!/usr/bin/env bash
# CPU of the `meshtop demo` process with the dashboard open in a 200×60 tmux pane, at the
# default refresh (250 ms), over 20 s after a 5 s warm-up. The figure for the goal
# "idle dashboard CPU ≤ 3% of a core" is the one with --rps 1 (the system nearly idle).
#
# Usage: Benchmarks/scripts/dashboard-cpu.sh [RPS]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/../.."
rps=${1:-1}
swift build -c release --product meshtop >/dev/null
bin="$(swift build -c release --show-bin-path)/meshtop"
socket="meshtop-cpu-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true' EXIT
tmux -L "$socket" new-session -d -s cpu -x 200 -y 60 -e LANG=C.UTF-8 "$bin demo --rps $rps"
sleep 5
pid=$(pgrep -f "^$bin demo --rps $rps" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks); t0=$(date +%s.%N)
sleep 20
b=$(ticks); t1=$(date +%s.%N)
awk -v a="$a" -v b="$b" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v rps="$rps" \
    'BEGIN { printf "meshtop demo --rps %s: %.1f%% of a core over %.1f s (dashboard at 250 ms refresh, 200x60)\n", rps, (b - a) / hz / (t1 - t0) * 100, t1 - t0 }'
tmux -L "$socket" send-keys -t cpu q
