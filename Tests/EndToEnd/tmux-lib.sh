# Helpers for driving `meshtop demo` in tmux, sourced by the dashboard end-to-end scripts.
#
#   . Tests/EndToEnd/tmux-lib.sh "$@"    # the script's one argument: PATH/TO/meshtop
#
# Sets up a private tmux server (killed on exit) and a work directory, and defines: tm, screen,
# wait_for (polls every 30 ms, each wait with a deadline, never a fixed sleep), screen_has,
# selected_row, select_row, service_rps, press, start_demo, quit_and_check, pass and fail (which prints
# the screen and exits 1). Sets BINARY to the meshtop given (absolute). Set CURRENT_TEST before
# each group of checks.

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
# press KEY SECONDS DESCRIPTION PATTERN: sends KEY, then waits until the screen matches PATTERN.
press() { tm send-keys -t "$SESSION" "$1"; wait_for "$2" "$3" screen_has "$4"; }
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

# start_pane COMMAND [ENV...]: runs COMMAND (a shell command line; quote the binary's path with
# `printf %q`) in a fresh 120x40 pane, with the environment ENV (NAME=VALUE arguments to env); the
# wrapper records the exit status and whether the tty settings came back, then keeps the pane open.
start_pane() {
    local command=$1
    shift
    rm -f "$WORK/status"
    EXPECT_EXIT=0
    cat >"$WORK/run.sh" <<EOF
#!/usr/bin/env bash
before=\$(stty -g)
env "\$@" $command
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

# start_demo ENV...: runs `meshtop demo $DEMO_ARGS` (default: none, the storefront) in start_pane's
# wrapper.
DEMO_ARGS=${DEMO_ARGS:-}
start_demo() {
    start_pane "$(printf %q "$BINARY") demo $DEMO_ARGS" "$@"
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

