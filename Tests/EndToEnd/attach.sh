#!/usr/bin/env bash
# End-to-end test of `meshtop attach`: the dashboard in a tmux pane on a `meshtop serve` running
# in another process, driven as a person would.
#
#   Tests/EndToEnd/attach.sh PATH/TO/meshtop
#
# Checks: attach shows the served storefront live; `o` on order-service -> payment-service trips
# it through the control API (the served snapshot says forced open, its event log says by api);
# the server killed, the header says reconnecting and the last data stays; the server started
# again on the same port, the dashboard is live again; q exits 0 with the terminal restored.
# Without a token, the control keys say why they are off and nothing changes on the server.
set -uo pipefail

# shellcheck source=tmux-lib.sh
. "$(dirname "$0")/tmux-lib.sh" "$@"
bin=$BINARY
# shellcheck source=serve-lib.sh
. "$(dirname "$0")/serve-lib.sh"

BREAKER='order-service (→|->) payment-service'
printf 'attach-e2e-token\n' >"$WORK/token"
trap 'kill -KILL "${serve_pid:-0}" 2>/dev/null; cleanup' EXIT

# start_attach ARGS...: `meshtop attach ARGS` in start_pane's wrapper.
start_attach() {
    start_pane "$(printf %q "$BINARY") attach $*"
}

served_breaker_state() {
    curl -s "$base/api/v1/snapshot" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(next(b["state"] for b in s["breakers"] if b["id"] == "order-service->payment-service"))'
}

if infocmp tmux-256color >/dev/null 2>&1; then PANE_TERM=tmux-256color; else PANE_TERM=screen; fi
tm start-server \; set-option -g default-terminal "$PANE_TERM" \; set-option -g exit-empty off

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="attach with a token"
start_serve "$WORK/serve.out" --token-file "$WORK/token" || fail "serve did not start: $(cat "$WORK/serve.out.err")"
wait_ready || fail "serve never became ready"
port=${base##*:}
start_attach "$base" --token-file "$WORK/token"
echo "e2e: meshtop attach $base in tmux 120x40, TERM=$PANE_TERM"

wait_for 20 "the served storefront, live" screen_has '^ meshtop · storefront'
wait_for 20 "payment-service taking traffic" rps_at_least payment-service 1
screen_lacks 'reconnecting' || fail "the header says reconnecting while the server runs"
pass "attach shows the served storefront: payment-service at $(service_rps payment-service) req/s"

tm send-keys -t "$SESSION" 2
wait_for 5 "the Breakers view" screen_has '\[2 Breakers\]'
wait_for 5 "the breaker to be listed" screen_has "$BREAKER"
select_row "^ *$BREAKER " '{ print $1, $2, $3 }' "the order-service -> payment-service breaker"
tm send-keys -t "$SESSION" o
wait_for 5 "the breaker row to show FORCED OPEN" screen_has "$BREAKER .*FORCED OPEN"
[ "$(served_breaker_state)" = forcedOpen ] || fail "the server's snapshot says $(served_breaker_state), expected forcedOpen"
curl -s "$base/api/v1/snapshot" | grep -q 'by api 127.0.0.1' || fail "the server's event log has no command by api"
pass "o tripped the served breaker through the control API (server: forcedOpen, event by api)"

kill -KILL "$serve_pid"; wait "$serve_pid" 2>/dev/null
wait_for 15 "the header to say reconnecting" screen_has 'reconnecting'
screen_has "$BREAKER .*FORCED OPEN" || fail "the last data left the screen when the server went away"
wait_for 10 "the data marked stale" screen_has 'stale [0-9]+s'
pass "server killed: reconnecting, the last data kept and marked stale"

start_serve "$WORK/serve2.out" --token-file "$WORK/token" --listen "127.0.0.1:$port" \
    || fail "serve did not start again on port $port: $(cat "$WORK/serve2.out.err")"
wait_for 30 "live again (no reconnecting)" screen_lacks 'reconnecting'
# A new process: its breaker is closed again, and the screen shows the new data.
wait_for 10 "the new server's breaker, closed" screen_has "$BREAKER .*CLOSED"
pass "server back on port $port: live again with its data"

quit_and_check alternate-screen

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="attach without a token"
start_attach "$base"
wait_for 20 "the served storefront" screen_has '^ meshtop · storefront'
tm send-keys -t "$SESSION" 2
wait_for 5 "the Breakers view" screen_has '\[2 Breakers\]'
wait_for 5 "the breaker to be listed" screen_has "$BREAKER"
select_row "^ *$BREAKER " '{ print $1, $2, $3 }' "the order-service -> payment-service breaker"
tm send-keys -t "$SESSION" o
wait_for 5 "the reason the controls are off" screen_has 'controls are off'
[ "$(served_breaker_state)" = closed ] || fail "the breaker changed on the server without a token: $(served_breaker_state)"
pass "o without a token: the screen says the controls are off; the server's breaker stays closed"
quit_and_check alternate-screen
stop_serve
[ "$stop_status" = 0 ] || fail "serve exited with $stop_status on SIGTERM"

echo "attach e2e: $CHECKS checks passed in $(elapsed)"
