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
# 2. A smaller check under TERM=vt100 LANG=C: services visible, ASCII only, `q` exits 0, terminal restored.
#
# Waits by polling the screen (every 30 ms, each wait with a deadline), never by fixed sleeps.
# Prints a PASS or FAIL line per check; on a failure prints the screen and exits 1.
set -uo pipefail

usage() { echo "usage: $0 PATH/TO/meshtop" >&2; exit 2; }
[ $# -eq 1 ] || usage
BINARY=$1
case "$BINARY" in /*) ;; *) BINARY="$PWD/$BINARY" ;; esac
if [ ! -x "$BINARY" ]; then
    echo "FAIL: $BINARY is not an executable (build it first: swift build --product meshtop)" >&2
    exit 2
fi

if ! command -v tmux >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "e2e: installing tmux"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends tmux >/dev/null
    fi
    if ! command -v tmux >/dev/null 2>&1; then
        echo "FAIL: tmux is not installed and cannot be installed here (needs root and apt-get); install tmux to run this test" >&2
        exit 2
    fi
fi

unset TMUX TMUX_PANE
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshtop-e2e.XXXXXX")
SOCKET="meshtop-e2e-$$"
SESSION=e2e
# Our own tmux server: nothing of the person's tmux is touched, and killing it ends only what we started.
tm() { tmux -L "$SOCKET" -f /dev/null "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

POLL=0.03
STARTED=$(date +%s.%N)
CHECKS=0
CURRENT_TEST=""
EXPECT_EXIT=0   # 1 once q was pressed: until then, meshtop exiting is a failure

screen() { tm capture-pane -p -t "$SESSION"; }
screen_with_attributes() { tm capture-pane -p -e -t "$SESSION"; }
elapsed() { awk -v a="$STARTED" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }

pass() {
    CHECKS=$((CHECKS + 1))
    echo "PASS: [$CURRENT_TEST] $1 ($(elapsed))"
}

fail() {
    echo "FAIL: [$CURRENT_TEST] $1 ($(elapsed))"
    echo "----- screen (120 columns) -----"
    screen 2>/dev/null || echo "(no screen: the tmux session is gone)"
    echo "----- end of screen -----"
    exit 1
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls until COMMAND succeeds, fails after SECONDS.
wait_for() {
    local seconds=$1 description=$2
    shift 2
    local deadline
    deadline=$(awk -v now="$(date +%s.%N)" -v s="$seconds" 'BEGIN { printf "%.3f", now + s }')
    while true; do
        if "$@"; then return 0; fi
        if [ "$EXPECT_EXIT" = 0 ] && [ -s "$WORK/status" ]; then
            fail "meshtop exited with status $(cat "$WORK/status") while waiting for: $description"
        fi
        if awk -v now="$(date +%s.%N)" -v d="$deadline" 'BEGIN { exit !(now > d) }'; then
            fail "timed out after ${seconds}s waiting for: $description"
        fi
        sleep "$POLL"
    done
}

screen_has() { screen | grep -Eq -- "$1"; }
screen_lacks() { ! screen | grep -Eq -- "$1"; }

# The selected row of a list, as plain text: the first body line drawn in reverse video (the
# dashboard's selection; SGR parameter 7, not counting 38;5;N / 48;5;N colour arguments).
selected_row() {
    screen_with_attributes | awk '
        NR <= 3 { next }   # header, tabs and the table heading are never the selection
        {
            line = $0; reverse = 0; rest = line
            while (match(rest, /\033\[[0-9;]*m/)) {
                n = split(substr(rest, RSTART + 2, RLENGTH - 3), p, ";")
                for (i = 1; i <= n; i++) {
                    if (p[i] == 38 || p[i] == 48) { i += (p[i + 1] == 2) ? 4 : 2; continue }
                    if (p[i] == 7) reverse = 1
                }
                rest = substr(rest, RSTART + RLENGTH)
            }
            if (reverse) { gsub(/\033\[[0-9;]*m/, "", line); print line; exit }
        }'
}

# The RPS column of a service in the Services view (the field after INST, written "up/total").
service_rps() {
    screen | awk -v name="$1" '
        $1 == name {
            for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {
                value = $(i + 1); factor = 1
                if (value ~ /k$/) { factor = 1000; sub(/k$/, "", value) }
                print value * factor; exit
            }
        }'
}

rps_at_least() { local r; r=$(service_rps "$1"); [ -n "$r" ] && awk -v r="$r" -v m="$2" 'BEGIN { exit !(r >= m) }'; }
rps_at_most() { local r; r=$(service_rps "$1"); [ -n "$r" ] && awk -v r="$r" -v m="$2" 'BEGIN { exit !(r <= m) }'; }
selected_matches() { selected_row | grep -Eq -- "$1"; }
# The selected row's identity: the fields of awk program $1 (e.g. '{ print $2 }'), leaving out
# columns that change by themselves (ages, timers), so a refresh does not pass for a move.
selected_key() { selected_row | awk "$1"; }
selected_key_differs_from() { local key; key=$(selected_key "$1"); [ -n "$key" ] && [ "$key" != "$2" ]; }

# select_row PATTERN KEY-PROGRAM DESCRIPTION: presses `j` until the selected row matches PATTERN;
# each press waits for the selection to move to another item before the next.
select_row() {
    local pattern=$1 key_program=$2 description=$3 presses=0 before
    while ! selected_matches "$pattern"; do
        presses=$((presses + 1))
        [ "$presses" -le 60 ] || fail "no row matching $description after 60 presses of j; selected: '$(selected_row)'"
        before=$(selected_key "$key_program")
        [ -n "$before" ] || fail "no selected row (nothing in reverse video) while looking for $description"
        tm send-keys -t "$SESSION" j
        wait_for 5 "the selection to move off '$before' (the last row?)" selected_key_differs_from "$key_program" "$before"
    done
    pass "selected $description with j ($presses presses): $(selected_row | sed 's/  */ /g')"
}

# start_demo ENV...: runs `meshtop demo` in a fresh 120x40 pane; the wrapper records the exit
# status and whether the tty settings came back, then keeps the pane open.
start_demo() {
    rm -f "$WORK/status"
    EXPECT_EXIT=0
    cat >"$WORK/run.sh" <<EOF
#!/usr/bin/env bash
before=\$(stty -g)
env "\$@" "$BINARY" demo
status=\$?
after=\$(stty -g)
if [ "\$before" = "\$after" ]; then echo "TTY-SETTINGS=restored"; else echo "TTY-SETTINGS=changed"; fi
echo "\$status" >"$WORK/status"
echo "EXIT=\$status"
exec sleep 600
EOF
    chmod +x "$WORK/run.sh"
    tm kill-session -t "$SESSION" >/dev/null 2>&1
    # `bash run.sh …`: the pane's command, with the environment given as arguments to env.
    tm new-session -d -s "$SESSION" -x 120 -y 40 "$WORK/run.sh $*" || fail "tmux could not start a session"
}

# quit_and_check [alternate-screen]: q, then exit status 0 and the terminal given back; with
# alternate-screen, the dashboard must be gone from the screen too.
quit_and_check() {
    EXPECT_EXIT=1
    tm send-keys -t "$SESSION" q
    wait_for 10 "the process to exit after q" test -s "$WORK/status"
    local status
    status=$(cat "$WORK/status")
    [ "$status" = 0 ] || fail "meshtop exited with status $status after q, expected 0"
    pass "q: meshtop exited with status 0"
    wait_for 5 "the exit line in the pane" screen_has '^EXIT=0$'
    screen_has '^TTY-SETTINGS=restored$' || fail "the tty settings (stty -g) differ after meshtop exited"
    local flags
    flags=$(tm display-message -p -t "$SESSION" '#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag}')
    [ "$flags" = "0 1 0 0" ] || fail "terminal not restored: alternate screen, cursor visible, keypad, cursor keys = $flags (expected 0 1 0 0)"
    if [ "${1:-}" = alternate-screen ]; then
        screen_lacks 'meshtop · |BREAKER|SERVICE ' || fail "the dashboard is still on the screen after exit"
        pass "terminal restored: tty settings as before, the screen as it was, cursor visible, keypad off"
    else
        # No alternate screen (vt100): the last frame stays, the lines after it are clean (checked above).
        pass "terminal restored: tty settings as before, clean lines after the last frame, cursor visible, keypad off"
    fi
}

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
quit_and_check alternate-screen

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
