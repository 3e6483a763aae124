#!/usr/bin/env bash
# End-to-end test of the dashboard, driven as a person would drive it, in tmux.
#
#   Tests/EndToEnd/dashboard.sh PATH/TO/meshtop
#
# Builds nothing: give it the built binary (`swift build --product meshtop`, then
# `$(swift build --show-bin-path)/meshtop`). Needs tmux; installs it with apt-get when run as root
# and it is missing.
#
# 1. The dashboard's first look, at 120x40, LANG=C.UTF-8, TERM as tmux sets it: `meshtop demo` shows the
#    services; `2`, select order-service -> payment-service, `o`: FORCED OPEN; `4` Events shows the
#    manual action; payment-service's request rate falls; `2`, `r`: CLOSED; `3`, `Enter` on a trace:
#    its tree rooted at the gateway; `Esc`, `q`: exit status 0 and the terminal restored.
#    `i`: the Interventions panel lists the trip with origin dashboard and the calls it rejected.
# 2. Shadow thresholds, under `--fault payment-service=errors:0.7`: `2`, select the payment breaker,
#    `m`: METRICS ONLY; `Enter`: its detail says its policy would have opened; `i` lists the
#    metrics-only action in effect; `Esc` back to the detail, `Esc` to the list, `d`: DISABLED.
# 3. A smaller check under TERM=vt100 LANG=C: services visible, ASCII only, `q` exits 0, terminal restored.
#
# Waits by polling the screen (every 30 ms, each wait with a deadline), never by fixed sleeps.
# Prints a PASS or FAIL line per check; on a failure prints the screen and exits 1.
set -uo pipefail

# shellcheck source=tmux-lib.sh
. "$(dirname "$0")/tmux-lib.sh" "$@"

BREAKER='order-service (→|->) payment-service'

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="acceptance, LANG=C.UTF-8"
# TERM as tmux sets it: tmux-256color where the terminfo entry exists, else screen.
if infocmp tmux-256color >/dev/null 2>&1; then PANE_TERM=tmux-256color; else PANE_TERM=screen; fi
tm start-server \; set-option -g default-terminal "$PANE_TERM" \; set-option -g exit-empty off
start_demo LANG=C.UTF-8 LC_ALL=
echo "e2e: meshtop demo in tmux 120x40, TERM=$PANE_TERM LANG=C.UTF-8"

wait_for 20 "the Services view with payment-service taking traffic" rps_at_least payment-service 5
screen_has '^ meshtop · storefront' || fail "the header does not name the storefront"
for service in gateway user-service product-service inventory-service order-service payment-service notification-service; do
    screen_has "^ $service " || fail "service $service is not listed"
done
pass "services visible: all seven, payment-service at $(service_rps payment-service) req/s"

# A baseline over a few seconds of traffic (rates are over the last 10 s, clipped at the start).
wait_for 20 "3 s of uptime for a baseline rate" screen_has 'up 00:00:0[3-9]|up 00:00:[1-9][0-9]|up 00:0[1-9]'
RPS_BEFORE=$(service_rps payment-service)
[ -n "$RPS_BEFORE" ] || fail "cannot read payment-service's rate"

tm send-keys -t "$SESSION" 2
wait_for 5 "the Breakers view" screen_has '\[2 Breakers\]'
wait_for 5 "the $BREAKER breaker to be listed" screen_has "$BREAKER"
select_row "^ *$BREAKER " '{ print $1, $2, $3 }' "the order-service -> payment-service breaker"

tm send-keys -t "$SESSION" o
wait_for 5 "the breaker row to show FORCED OPEN" screen_has "$BREAKER .*FORCED OPEN"
pass "o: order-service -> payment-service shows FORCED OPEN"

tm send-keys -t "$SESSION" 4
wait_for 5 "the Events view" screen_has '\[4 Events\]'
# Saga events stream in at tens per second and push older ones down: find the manual action
# with the view's filter, as a person would.
tm send-keys -t "$SESSION" /
tm send-keys -t "$SESSION" -l "by dashboard"
tm send-keys -t "$SESSION" Enter
wait_for 5 "the manual action in the Events view" screen_has "manual .*$BREAKER.*tripped .*by dashboard"
pass "4: the Events view shows the manual action: $(screen | grep -E 'tripped .*by dashboard' | head -1 | sed 's/  */ /g')"
tm send-keys -t "$SESSION" Escape
wait_for 5 "the events filter to clear" screen_lacks 'filter: by dashboard'

tm send-keys -t "$SESSION" 1
wait_for 5 "the Services view" screen_has '\[1 Services\]'
# The rate is over the last 10 s, so it decays over about 10 s: wait for it to halve (at most 30 s).
HALF=$(awk -v r="$RPS_BEFORE" 'BEGIN { print r / 2 }')
wait_for 30 "payment-service's rate to fall from $RPS_BEFORE to at most $HALF req/s" rps_at_most payment-service "$HALF"
pass "payment-service's request rate fell: $RPS_BEFORE -> $(service_rps payment-service) req/s"

tm send-keys -t "$SESSION" 2
wait_for 5 "the Breakers view" screen_has '\[2 Breakers\]'
selected_matches "^ *$BREAKER " || fail "the selection left the payment breaker: '$(selected_row)'"
tm send-keys -t "$SESSION" r
wait_for 5 "the breaker row to show CLOSED" screen_has "$BREAKER +[^ ]* ?CLOSED "
screen_lacks "$BREAKER .*FORCED" || fail "the breaker row still says FORCED"
pass "r: order-service -> payment-service is CLOSED again"

press i 5 "the Interventions panel" '^ INTERVENTIONS '
wait_for 5 "the trip with origin dashboard" screen_has "^ +\+[0-9:]+ +trip +$BREAKER +dashboard "
screen_has '[0-9]+ calls? rejected' || fail "the trip's rejected calls are not counted"
REJECTED=$(screen | grep -Eo '[0-9]+ calls? rejected' | head -1 | awk '{ print $1 }')
[ "${REJECTED:-0}" -gt 0 ] || fail "the trip counted no rejected calls"
pass "i: the Interventions panel lists the trip by dashboard, $REJECTED calls rejected: $(screen | grep -E 'forced open; ended' | head -1 | sed 's/^ *//; s/  */ /g')"
press Escape 5 "the Breakers view after Esc" '\[2 Breakers\]'

tm send-keys -t "$SESSION" 3
wait_for 5 "the Traces view with traces" screen_has '^ +[0-9]+(s|m[0-9]+s) [0-9a-f]{8} '
# Move off the head of the list (where the selection follows new traces) and onto a trace whose
# root is the gateway: a trace still in flight is listed under its first finished span's service.
HEAD_ID=$(selected_key '{ print $2 }')
tm send-keys -t "$SESSION" j
wait_for 5 "the selection to move off the head of the list" selected_key_differs_from '{ print $2 }' "$HEAD_ID"
select_row '^ +[0-9hms]+ [0-9a-f]{8} gateway ' '{ print $2 }' "a trace rooted at the gateway"
SHORT_ID=$(selected_row | awk '{ print $2 }')
tm send-keys -t "$SESSION" Enter
wait_for 5 "the detail of trace $SHORT_ID" screen_has "^ trace $SHORT_ID[0-9a-f]{24} "
wait_for 5 "the span tree" screen_has '^ SPAN +SERVICE +DURATION'
ROOT_SERVICE=$(screen | awk '/^ SPAN +SERVICE +DURATION/ { getline; print; exit }' | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /-service$|^gateway$/) { print $i; exit } }')
[ "$ROOT_SERVICE" = gateway ] || fail "the tree's root span is from '$ROOT_SERVICE', expected gateway"
TITLE=$(screen | grep -E "^ trace $SHORT_ID" | sed 's/  */ /g')
pass "3, Enter: the trace's tree is rooted at the gateway:$TITLE"

tm send-keys -t "$SESSION" Escape
wait_for 5 "the Traces list after Esc" screen_has '\[3 Traces\]'
pass "Esc: back to the Traces list"

# From a symptom to a trace: in a service's detail the first route is selected; Enter lists its
# slowest stored traces and Enter again opens the slowest.
tm send-keys -t "$SESSION" 1
wait_for 5 "the Services view" screen_has '\[1 Services\]'
select_row '^ order-service ' '{ print $1 }' "order-service"
tm send-keys -t "$SESSION" Enter
wait_for 5 "order-service's detail with a route selected" screen_has '^ › [A-Z]+ /'
ROUTE=$(screen | awk '/^ › [A-Z]+ \// { print $2, $3; exit }')
wait_for 5 "the breadcrumb of the service detail" screen_has '^ Services › order-service( {2,}|$)'
tm send-keys -t "$SESSION" Enter
tm send-keys -t "$SESSION" Enter
wait_for 5 "the slowest trace of $ROUTE in two keys" screen_has "^ Services › order-service › $ROUTE slowest › trace [0-9a-f]{4}…"
wait_for 5 "the slowest trace's tree" screen_has '^ SPAN +SERVICE +DURATION +SELF'
SLOWEST=$(screen | awk '/^ trace [0-9a-f]+ / { print $2; exit }')
pass "Enter, Enter: the slowest trace of $ROUTE on order-service: $SLOWEST"

# Mark it, go back to the route's list, open the second slowest and compare the two.
tm send-keys -t "$SESSION" M
wait_for 5 "the trace to be marked" screen_has "^ trace $SLOWEST .* marked"
tm send-keys -t "$SESSION" Escape
wait_for 5 "the route's slowest traces after Esc" screen_has "^ Services › order-service › $ROUTE slowest( {2,}|\$)"
tm send-keys -t "$SESSION" j
tm send-keys -t "$SESSION" Enter
wait_for 5 "the second slowest trace" screen_has '^ trace [0-9a-f]{32} '
SECOND=$(screen | awk '/^ trace [0-9a-f]+ / { print $2; exit }')
[ "$SECOND" != "$SLOWEST" ] || fail "j, Enter opened the marked trace again ($SLOWEST)"
tm send-keys -t "$SESSION" C
wait_for 5 "the comparison of the two traces" screen_has "compare ${SLOWEST:0:4}… with ${SECOND:0:4}…"
wait_for 5 "the spans side by side" screen_has '^ +SERVICE +SPAN +A +B +B-A'
pass "M, Esc, j, Enter, C: $SLOWEST compared with $SECOND span by span"
tm send-keys -t "$SESSION" Escape
wait_for 5 "the second trace after Esc" screen_has "^ trace $SECOND "
pass "Esc: back from the comparison to the trace"
quit_and_check alternate-screen

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="shadow thresholds, --fault payment-service=errors:0.7"
DEMO_ARGS="--fault payment-service=errors:0.7" start_demo LANG=C.UTF-8 LC_ALL=
wait_for 20 "the Services view with the fault on payment-service" screen_has '^ payment-service .*fault: errors 70%'
press 2 5 "the Breakers view" '\[2 Breakers\]'
wait_for 5 "the $BREAKER breaker to be listed" screen_has "$BREAKER"
select_row "^ *$BREAKER " '{ print $1, $2, $3 }' "the order-service -> payment-service breaker"
press m 5 "the breaker row to show METRICS ONLY" "$BREAKER .*METRICS ONLY"
pass "m: order-service -> payment-service is METRICS ONLY"
press Enter 5 "the breaker detail with its shadow" '^ SHADOW '
wait_for 30 "the detail to say its policy would have opened" screen_has 'would (be OPEN|have opened) at \+[0-9:]+ \('
pass "Enter: $(screen | grep -E 'would (be OPEN|have opened) at' | head -1 | sed 's/^ *//; s/  */ /g')"
press i 5 "the Interventions panel" '^ INTERVENTIONS '
wait_for 5 "the metrics-only action in effect" screen_has "metrics-only +$BREAKER +dashboard +[0-9hms]+ active"
pass "i: the metrics-only action by dashboard is listed as in effect"
press Escape 5 "the breaker detail again after Esc (the way the panel was opened)" '^ SHADOW '
press Escape 5 "the Breakers view after a second Esc" '\[2 Breakers\]'
selected_matches "^ *$BREAKER " || fail "the selection left the payment breaker: '$(selected_row)'"
press d 5 "the breaker row to show DISABLED" "$BREAKER .*DISABLED"
pass "d: order-service -> payment-service is DISABLED"
quit_and_check alternate-screen
DEMO_ARGS=""

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="plain terminal, TERM=vt100 LANG=C"
start_demo TERM=vt100 LANG=C LC_ALL=
wait_for 20 "the Services view with payment-service" screen_has '^ payment-service '
screen_has '^ meshtop . storefront' || fail "the header does not name the storefront"
NON_ASCII=$(screen | LC_ALL=C grep -c '[^ -~]')
[ "$NON_ASCII" = 0 ] || fail "$NON_ASCII lines have characters outside printable ASCII under LANG=C"
pass "services visible, ASCII only"
quit_and_check

echo "PASS: all $CHECKS checks ($(elapsed))"
