#!/usr/bin/env bash
# End-to-end checks of `meshtop sim` on the built binary: the same seed gives the same digest in
# two separate processes (each hashing with its own seed unless meshtop sim pins it), for every
# system; different seeds differ, no escapes, and bad input exits 2.
# Usage: Tests/EndToEnd/sim.sh BINARY
set -uo pipefail
bin=${1:?usage: sim.sh BINARY}
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT

run() { # seed, output file
    "$bin" sim storefront --seed "$1" --duration 20s --rps 100 --fault payment-service=errors:0.2 --json > "$2"
}
digest() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r.get("digest") or "")' "$1"; }

# 1. Seed 7 twice, in two processes: exit 0, no escapes, the same digest.
run 7 "$dir/a.json"; status_a=$?
run 7 "$dir/b.json"; status_b=$?
[ "$status_a" = 0 ] && [ "$status_b" = 0 ] && pass "seed 7 exits 0 twice" || fail "seed 7 exited $status_a and $status_b: $(head -c 1500 "$dir/a.json")"
a=$(digest "$dir/a.json"); b=$(digest "$dir/b.json")
[ -n "$a" ] && [ "$a" = "$b" ] && pass "seed 7: the same digest in two processes ($a)" || fail "seed 7 digests differ: '$a' vs '$b'"
python3 - "$dir/a.json" <<'PY' && pass "seed 7: no escapes, invariants checked, requests answered" || fail "seed 7 report: $(head -c 1500 "$dir/a.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["escapes"] == 0, r["escapes"]
assert r["invariantsChecked"] > 0 and r["violations"] == [], r
assert r["requestsSent"] > 1500 and r["requestsByOutcome"], r
assert r["virtualSeconds"] >= 20 and r["speedUp"] > 0, r
PY

# 2. Seed 8: a different digest.
run 8 "$dir/c.json"
c=$(digest "$dir/c.json")
[ -n "$c" ] && [ "$c" != "$a" ] && pass "seed 8 differs from seed 7" || fail "seed 8 digest '$c' vs seed 7 '$a'"

# 3. The other systems: the same seed, the same digest in two processes; invariants hold.
for system in streaming rides marketplace; do
    "$bin" sim "$system" --seed 3 --duration 10s --json > "$dir/$system-1.json"; s1=$?
    "$bin" sim "$system" --seed 3 --duration 10s --json > "$dir/$system-2.json"; s2=$?
    d1=$(digest "$dir/$system-1.json"); d2=$(digest "$dir/$system-2.json")
    [ "$s1" = 0 ] && [ "$s2" = 0 ] && [ -n "$d1" ] && [ "$d1" = "$d2" ] && pass "$system: seed 3 gives the same digest twice ($d1)" \
        || fail "$system: exits $s1 and $s2, digests '$d1' vs '$d2': $(head -c 1000 "$dir/$system-1.json")"
done

# 4. Bad input: exit 2 with the accepted values named; nothing runs.
err=$("$bin" sim bank --seed 1 2>&1 >/dev/null); status=$?
[ "$status" = 2 ] && [[ "$err" == *"expected one of storefront, streaming, rides, marketplace, monolith"* ]] && pass "an unknown system exits 2 naming the systems" || fail "unknown system: exit $status, '$err'"
err=$("$bin" sim --duration 0s 2>&1 >/dev/null); status=$?
[ "$status" = 2 ] && pass "a zero duration exits 2" || fail "zero duration: exit $status, '$err'"
bad() { # expected message fragment, then the arguments
    local expected=$1; shift
    err=$("$bin" sim "$@" 2>&1 >/dev/null); status=$?
    [ "$status" = 2 ] && [[ "$err" == *"$expected"* ]] && pass "sim $* exits 2: $expected" || fail "sim $*: exit $status, '$err'"
}
bad 'it runs backwards (9 > 3)' --seeds 9..3
bad '"x" is not a seed; expected A..B' --seeds 1..x
bad 'no ".." between the first and last seed' --seeds ''
bad 'expected one seed (--seed N) or a range' --seed 1 --seeds 1..2
bad '--shrink takes one seed' --seeds 1..2 --shrink
bad 'was given without --shrink' --shrink-out x.json
bad 'expected a virtual time from 0s to the run' --duration 6m --at 7m --json
bad 'expected --json with it' --duration 6m --at 5m
bad 'expected skip-refund:N' --planted-bug skip-refund:0
bad 'invalid sample ratio "1.5"; expected the share of traces to keep, a number from 0 to 1' --sample 1.5
bad 'invalid sample ratio "ten"' --sample ten

# 5. Swarm is the default and replays: the same seed, the same schedule and digest in two processes.
"$bin" sim storefront --seed 11 --duration 10s --rps 50 --json > "$dir/s1.json"; s1=$?
"$bin" sim storefront --seed 11 --duration 10s --rps 50 --faults swarm --json > "$dir/s2.json"; s2=$?
python3 - "$dir/s1.json" "$dir/s2.json" <<'PY' && pass "swarm seed 11: the same schedule and digest twice" || fail "swarm seed 11 (exits $s1, $s2): $(head -c 1500 "$dir/s1.json")"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["faultPlan"] == "swarm" and a["swarmSchedule"]["faults"], a
assert a["swarmSchedule"] == b["swarmSchedule"] and a["digest"] and a["digest"] == b["digest"], (a["digest"], b["digest"])
assert len(a["faultsApplied"]) >= len(a["swarmSchedule"]["faults"]), a["faultsApplied"]
PY

# 6. A planted bug (every compensated refund skipped): a sweep finds it, --shrink reduces it, the
#    file replays it under sim, and demo plays the same file (without the bug: its invariants hold).
"$bin" sim storefront --seeds 1..10 --duration 10s --rps 40 --planted-bug skip-refund:1 --json > "$dir/sweep.json"; status=$?
seed=$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["failures"]; print(f[0]["seed"] if f and f[0]["signature"] == "cancelledOrderRefunded" else "")' "$dir/sweep.json" 2>/dev/null)
[ "$status" = 1 ] && [ -n "$seed" ] && pass "--seeds 1..10 finds the planted bug (first at seed $seed) and exits 1" || fail "sweep: exit $status: $(head -c 1500 "$dir/sweep.json")"
"$bin" sim storefront --seeds 1..10 --duration 10s --rps 40 > "$dir/clean.txt"; status=$?
[ "$status" = 0 ] && grep -q "all passed" "$dir/clean.txt" && pass "the same seeds without the bug all pass" || fail "clean sweep: exit $status: $(cat "$dir/clean.txt")"
if [ -n "$seed" ]; then
    "$bin" sim storefront --seed "$seed" --duration 10s --rps 40 --planted-bug skip-refund:1 --shrink --shrink-out "$dir/shrunk.json" > "$dir/shrink.txt"; status=$?
    [ "$status" = 1 ] && [ -s "$dir/shrunk.json" ] && grep -q "^replayed: cancelledOrderRefunded" "$dir/shrink.txt" && grep -q "^wrote $dir/shrunk.json" "$dir/shrink.txt" \
        && pass "--shrink wrote $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(len(s["faults"]), "fault change(s) over", s["duration"], "at", s["rps"], "req/s")' "$dir/shrunk.json") ($(grep -o 'in [0-9]* runs' "$dir/shrink.txt"))" \
        || fail "shrink: exit $status: $(cat "$dir/shrink.txt")"
    out=$("$bin" sim storefront --faults "$dir/shrunk.json" --planted-bug skip-refund:1); status=$?
    [ "$status" = 1 ] && [[ "$out" == *"VIOLATED: order"*"is cancelled but"* ]] && pass "sim --faults FILE replays the violation" || fail "replay: exit $status: $out"
    out=$("$bin" sim storefront --faults "$dir/shrunk.json"); status=$?
    [ "$status" = 0 ] && pass "sim --faults FILE without the bug passes" || fail "replay without the bug: exit $status: $out"
    "$bin" demo storefront --headless --scenario "$dir/shrunk.json" --json > "$dir/demo.json"; status=$?
    python3 - "$dir/demo.json" "$dir/shrunk.json" <<'PY' && [ "$status" = 0 ] && pass "demo --headless --scenario FILE plays the shrunk scenario" || fail "demo: exit $status: $(head -c 1500 "$dir/demo.json")"
import json, sys
report, scenario = (json.load(open(p)) for p in sys.argv[1:])
text = json.dumps(report)
assert all(f["service"] in text for f in scenario["faults"]), scenario
PY
fi

# 7. --at: the snapshot JSON at a virtual time.
"$bin" sim storefront --seed 3 --duration 2m --rps 5 --at 1m --json > "$dir/at.json"; status=$?
python3 - "$dir/at.json" <<'PY' && [ "$status" = 0 ] && pass "--at 1m --json prints the snapshot at 60 s" || fail "--at: exit $status: $(head -c 1000 "$dir/at.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["uptimeSeconds"] == 60 and s["system"] == "storefront", s["uptimeSeconds"]
assert any(x["name"] == "gateway" and x["requestsTotal"] > 0 for x in s["services"])
PY

[ "$failures" = 0 ] && echo "PASS: sim checks" || { echo "FAIL: $failures sim check(s)"; exit 1; }
