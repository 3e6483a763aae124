#!/usr/bin/env bash
# End-to-end test of `meshtop sim --dashboard` in tmux: the dashboard on a simulated run.
#
#   Tests/EndToEnd/sim-dashboard.sh PATH/TO/meshtop
#
# 1. `meshtop sim --seed 7 --dashboard` shows the SIM header (seed, t=, speed) and the Services
#    view; `P` pauses: two reads of t= a second apart are equal, and `paused` shows; `+` goes to
#    ×10; `.` steps 1 s while paused; `t` 00:00:30 goes to 30 s and pauses there; `t` 10s (behind)
#    simulates it again from the seed to 10 s; `2`, `o` trips a breaker; `q` exits 0 with the
#    terminal restored and prints where the run was left, its replay command and the trip as a
#    manual action at 10 s.
# 2. A failing seed (the planted refund bug, seed 9 at 10 s and 40 req/s, as in sim.sh): `v` runs
#    to the invariant check and pauses; the header's t= equals the violation time the `--json` run
#    of the same seed reports (to the millisecond shown); the notice names the invariant; `q`
#    exits 0 and prints the normal report with the same digest as the `--json` run.
# 3. Bad input: `--dashboard` with `--json`, `--seeds`, `--shrink` or `--at` exits 2 naming them;
#    without a terminal, the message `demo` gives.
#
# Waits by polling the screen (tmux-lib's wait_for), never by fixed sleeps, except the one second
# that pause must hold t= still for.
set -uo pipefail

# shellcheck source=tmux-lib.sh
. "$(dirname "$0")/tmux-lib.sh" "$@"

# start_sim ARGS...: runs `meshtop sim ARGS` in start_pane's wrapper (as start_demo runs demo).
start_sim() {
    start_pane "$(printf %q "$BINARY") sim $*" LANG=C.UTF-8 LC_ALL=
}

# The header's virtual time, `t=00:12:31.250`, without `t=`.
sim_time() { screen | head -1 | grep -oE 't=[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}' | head -1 | cut -c3-; }
time_is() { [ "$(sim_time)" = "$1" ]; }
plus_one_second() { echo "$1" | awk -F: '{ ms = int(($1 * 3600 + $2 * 60 + $3) * 1000 + 0.5) + 1000; printf "%02d:%02d:%02d.%03d\n", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60, ms % 1000 }'; }
time_past() { local t; t=$(sim_time); [ -n "$t" ] && [[ "$t" > "$1" ]]; }
# The report, printed in the pane once the terminal came back.
out_has() { screen | grep -Eq -- "$1"; }
out() { screen | grep -v '^$'; }

if infocmp tmux-256color >/dev/null 2>&1; then PANE_TERM=tmux-256color; else PANE_TERM=screen; fi
tm start-server \; set-option -g default-terminal "$PANE_TERM" \; set-option -g exit-empty off

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="sim --seed 7 --dashboard"
start_sim --seed 7 --dashboard
wait_for 30 "the SIM header" screen_has 'SIM seed=7  t=[0-9:.]+  ×1'
pass "the header says the simulated run: $(screen | head -1 | grep -oE 'SIM seed=.*' | sed 's/ *$//')"
wait_for 20 "the Services view with traffic on payment-service" rps_at_least payment-service 5
screen | tail -1 | grep -q '<P> play/pause  <+> faster  <.> step  <T> go to  <v> violation' || fail "the hint bar does not start with the time controls"
pass "the hint bar leads with the time controls; payment-service takes $(service_rps payment-service) req/s"
wait_for 10 "t= to pass 1 s" time_past 00:00:01.000

press P 5 "paused in the header" 'SIM seed=7  t=[0-9:.]+  ×1  paused'
first=$(sim_time)
sleep 1
second=$(sim_time)
[ -n "$first" ] && [ "$first" = "$second" ] || fail "paused, t= moved from $first to $second in a second"
pass "pause freezes t=: $first, and a second later $second"

tm send-keys -t "$SESSION" .
stepped=$(plus_one_second "$second")
wait_for 10 "t= 1 s on, at $stepped, paused" screen_has "t=$stepped  ×1  paused"
pass "a step while paused moved t= from $second to $stepped and paused again"

press + 5 "×10" 'SIM seed=7  t=[0-9:.]+  ×10  paused'
pass "+ goes to ×10 (still paused)"

tm send-keys -t "$SESSION" T
wait_for 5 "the go-to prompt" screen_has '^ go to t='
tm send-keys -t "$SESSION" 00:00:30 Enter
wait_for 30 "the run paused at 30 s" screen_has 'SIM seed=7  t=00:00:30\.000  ×10  paused'
pass "T 00:00:30 went to t=00:00:30.000 and paused there"

press P 5 "playing at ×10" 'SIM seed=7  t=[0-9:.]+  ×10 *$'
wait_for 10 "t= to move on at ×10" time_past 00:00:31.000
pass "P plays on: t=$(sim_time)"

tm send-keys -t "$SESSION" T
wait_for 5 "the go-to prompt" screen_has '^ go to t='
tm send-keys -t "$SESSION" 10s Enter
wait_for 60 "the run simulated again to 10 s, paused" screen_has 'SIM seed=7  t=00:00:10\.000  ×10  paused'
pass "T 10s, behind the run, simulated it again from the seed to t=00:00:10.000 and paused there"

press 2 5 "the Breakers view" '\[2 Breakers\]'
wait_for 5 "a selected breaker" test -n "$(selected_row)"
tm send-keys -t "$SESSION" o
wait_for 5 "a breaker forced open" screen_has 'FORCED OPEN'
pass "o during the simulated run: $(screen | grep -m1 -oE '[a-z-]+ (→|->) [a-z-]+ .*FORCED OPEN' | sed 's/  */ /g')"

quit_and_check alternate-screen
out_has '^meshtop sim storefront: seed 7, left at t=00:00:10\.000 of 1h' || fail "the output does not say where the run was left: $(out)"
out_has '^changed by hand: 1 manual action' && out_has '^  at t=00:00:10\.000  tripped ' || fail "the output does not list the trip as a manual action at 10 s: $(out)"
pass "the output lists the trip at t=00:00:10.000 as a change by hand"
out_has '^replay: meshtop sim storefront --seed 7 --duration 1h' || fail "no replay command: $(out)"
pass "after q: $(screen | grep -E '^meshtop sim' | head -1)"

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="the first violation of a failing seed"
failing=(storefront --seed 9 --duration 10s --rps 40 --planted-bug skip-refund:1)
"$BINARY" sim "${failing[@]}" --json >"$WORK/failing.json"; status=$?
[ "$status" = 1 ] || fail "the --json run of ${failing[*]} exited $status, expected 1 (a violation): $(head -c 800 "$WORK/failing.json")"
expected=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = r["firstViolationAtSeconds"]
ms = int(round(t * 1000, 6))
print("%02d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000))
print(r["digest"]); print(r["violations"][0]["invariant"])' "$WORK/failing.json")
violation_time=$(echo "$expected" | sed -n 1p); digest=$(echo "$expected" | sed -n 2p); invariant=$(echo "$expected" | sed -n 3p)
pass "the --json run violates $invariant, found at t=$violation_time (digest ${digest:0:12}...)"

start_sim "${failing[@]}" --dashboard
wait_for 30 "the SIM header" screen_has 'SIM seed=9  t=[0-9:.]+  ×1'
press v 60 "the run ended at its violation" 'SIM seed=9  t=[0-9:.]+  ×1  ended'
time_is "$violation_time" || fail "v landed on t=$(sim_time), the --json run found the violation at t=$violation_time"
screen_has "first violation at t=$violation_time: $invariant" || fail "the notice does not name the first violation"
pass "v went to the first violation: t=$(sim_time), as the --json run reports; the notice names $invariant"
quit_and_check alternate-screen
out_has "^  digest       $digest" || fail "the report's digest differs from the --json run's ($digest): $(out)"
out_has '^VIOLATED: order' && out_has '^replay: meshtop sim storefront --seed 9' || fail "the report does not give the violation and the replay: $(out)"
pass "after q: the normal report, with the same digest as the --json run, the violation and the replay command"

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="bad input"
for extra in "--json" "--seeds 1..2" "--shrink" "--at 1m --json"; do
    # shellcheck disable=SC2086
    err=$("$BINARY" sim --duration 2m --dashboard $extra 2>&1 >/dev/null </dev/null); status=$?
    flag=${extra%% *}
    [ "$status" = 2 ] && [[ "$err" == *"--dashboard: it watches one run on the terminal and cannot be combined with"*"$flag"* ]] \
        || fail "--dashboard $extra: exit $status, '$err'"
    pass "--dashboard $extra exits 2: $(echo "$err" | head -1 | cut -c1-150)"
done
err=$("$BINARY" sim --seed 1 --duration 2m --dashboard 2>&1 </dev/null | cat); status=${PIPESTATUS[0]}
demo_err=$("$BINARY" demo 2>&1 </dev/null | cat)
[ "$status" = 2 ] && [[ "$err" == *"the dashboard needs a terminal"* ]] && [ "${err#*: }" = "${demo_err#*: }" ] \
    || fail "no terminal: exit $status, '$err' (demo says '$demo_err')"
pass "without a terminal: exit 2, as demo says: $(echo "$err" | head -1 | cut -c1-120)"

echo "PASS: sim-dashboard ($CHECKS checks, $(elapsed))"
