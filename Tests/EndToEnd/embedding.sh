#!/usr/bin/env bash
# End-to-end test of embedding: a program of its own (demo/embedding, two services `quotes` and
# `weather` on a Mesh, its own traffic) opens meshtop's dashboard with one call, in tmux.
#
#   Tests/EndToEnd/embedding.sh PATH/TO/quotes-dashboard
#
# Builds nothing: give it the built example (`swift build --package-path demo/embedding`, then
# `$(swift build --package-path demo/embedding --show-bin-path)/quotes-dashboard`). Needs tmux.
#
# Checks: the dashboard names the program's mesh and lists its own two services taking traffic,
# the Breakers view shows the quotes -> weather breaker its policy made, `f` on weather injects a
# fault recorded in the Events view, and `q` exits 0 with the terminal restored; Ctrl-C too.
set -uo pipefail

# shellcheck source=tmux-lib.sh
. "$(dirname "$0")/tmux-lib.sh" "$@"

CURRENT_TEST="embedding, LANG=C.UTF-8"
if infocmp tmux-256color >/dev/null 2>&1; then PANE_TERM=tmux-256color; else PANE_TERM=screen; fi
tm start-server \; set-option -g default-terminal "$PANE_TERM" \; set-option -g exit-empty off
start_pane "$(printf %q "$BINARY")" LANG=C.UTF-8 LC_ALL=
echo "e2e: $(basename "$BINARY") in tmux 120x40, TERM=$PANE_TERM LANG=C.UTF-8"

wait_for 20 "the Services view with weather taking traffic" rps_at_least weather 5
wait_for 5 "quotes taking traffic" rps_at_least quotes 5
screen_has '^ meshtop · quotes' || fail "the header does not name the program's mesh (quotes)"
for service in quotes weather; do
    screen_has "^ $service " || fail "service $service is not listed"
done
screen_lacks 'gateway|payment-service' || fail "a storefront service is listed: the dashboard is not on the program's own mesh"
pass "the program's own services on the dashboard: quotes at $(service_rps quotes) req/s, weather at $(service_rps weather) req/s"

tm send-keys -t "$SESSION" 2
wait_for 5 "the quotes -> weather breaker" screen_has 'quotes (→|->) weather .*CLOSED'
pass "the Breakers view shows quotes -> weather (the program's call policy)"

tm send-keys -t "$SESSION" 1
wait_for 5 "the Services view" screen_has '\[1 Services\]'
select_row '^ *weather ' '{ print $1 }' "the weather service"
tm send-keys -t "$SESSION" f
wait_for 5 "weather's fault in the Services view" screen_has 'weather .*fault: errors 50%'
tm send-keys -t "$SESSION" 4
wait_for 5 "the manual fault in the Events view" screen_has 'weather .*fault injected: errors 50%.*by dashboard'
pass "f on weather: the fault shows, and the Events view records it as the dashboard's"

quit_and_check alternate-screen

CURRENT_TEST="embedding, Ctrl-C"
start_pane "$(printf %q "$BINARY")" LANG=C.UTF-8 LC_ALL=
wait_for 20 "the Services view with quotes taking traffic" rps_at_least quotes 5
EXPECT_EXIT=1
tm send-keys -t "$SESSION" C-c
wait_for 10 "the program to exit after Ctrl-C" test -s "$WORK/status"
[ "$(cat "$WORK/status")" = 0 ] || fail "the program exited with status $(cat "$WORK/status") after Ctrl-C, expected 0"
wait_for 5 "the exit line in the pane" screen_has '^EXIT=0$'
screen_has '^TTY-SETTINGS=restored$' || fail "the tty settings (stty -g) differ after Ctrl-C"
flags=$(tm display-message -p -t "$SESSION" '#{alternate_on} #{cursor_flag} #{keypad_flag} #{keypad_cursor_flag}')
[ "$flags" = "0 1 0 0" ] || fail "terminal not restored after Ctrl-C: alternate screen, cursor visible, keypad, cursor keys = $flags (expected 0 1 0 0)"
pass "Ctrl-C: exit status 0 and the terminal restored, as after q"

echo "embedding e2e: $CHECKS checks passed in $(elapsed)"
