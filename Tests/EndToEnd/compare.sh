#!/usr/bin/env bash
# End-to-end test of the monolith and `meshtop compare`.
#
#   Tests/EndToEnd/compare.sh PATH/TO/meshtop
#
# The monolith headless: exit 0, invariants ok, orders confirmed, one service behind the gateway.
# compare monolith storefront with the payment failing half its calls: both sides reported, each
# with its own CPU and peak RSS; the monolith's orders fail while its browsing stays up; the
# storefront's orders are queued or compensated; both sides' invariants hold. The text form is a
# table with the blast radius. demo/compare/payment-crash.json: the crash takes the monolith's every
# route down, the storefront's stays with its orders. Bad input (an unknown system, the same system twice, a component
# neither system has) exits 2 naming what exists, before anything runs.
set -uo pipefail

# shellcheck source=tmux-lib.sh
. "$(dirname "$0")/tmux-lib.sh" "$@"

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="monolith, headless"
"$BINARY" demo monolith --headless --duration 10s --json >"$WORK/monolith.json" 2>"$WORK/monolith.err"
status=$?
[ "$status" = 0 ] || fail "meshtop demo monolith --headless exited with $status: $(head -c 1500 "$WORK/monolith.json") $(cat "$WORK/monolith.err")"
python3 - "$WORK/monolith.json" <<'PY' || fail "the monolith's report: $(head -c 3000 "$WORK/monolith.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["system"] == "monolith", r["system"]
assert r["invariants"]["ok"], r["invariants"]
assert [s["name"] for s in r["services"]] == ["gateway", "shop"], r["services"]
assert all(s["requests"] > 0 for s in r["services"]), r["services"]
assert r["domain"]["ordersConfirmed"] > 0 and r["domain"]["ordersPending"] == 0, r["domain"]
PY
pass "10 s: exit 0, invariants ok, one service behind the gateway, orders confirmed"

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="compare, payment failing"
"$BINARY" compare monolith storefront --duration 10s --fault payment=errors:0.5 --json >"$WORK/compare.json" 2>"$WORK/compare.err"
status=$?
[ "$status" = 0 ] || fail "meshtop compare exited with $status: $(head -c 1500 "$WORK/compare.json") $(cat "$WORK/compare.err")"
python3 - "$WORK/compare.json" <<'PY' || fail "the comparison: $(head -c 4000 "$WORK/compare.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["systems"] == ["monolith", "storefront"], c["systems"]
assert [t["target"] for t in c["faults"][0]["targets"]] == ["payment-module", "payment-service"], c["faults"]
sides = {s["system"]: s for s in c["sides"]}
assert set(sides) == {"monolith", "storefront"}, list(sides)
for name, side in sides.items():
    assert side["report"]["invariants"]["ok"], (name, side["report"]["invariants"])
    assert side["resources"]["cpuSeconds"] > 0 and side["resources"]["peakRSSBytes"] > 10_000_000, (name, side["resources"])
    assert side["traffic"]["sent"] > 1500, (name, side["traffic"])
def route(side, kind):
    return next(r for r in sides[side]["routes"] if r["route"] == kind)
# The monolith: about half its orders fail (5xx), browsing and search stay up.
orders = route("monolith", "placeOrder")
assert 0.3 < orders["failed"] / orders["requests"] < 0.7, orders
for kind in ("browse", "search", "viewUser"):
    r = route("monolith", kind)
    assert r["failed"] == 0 and r["ok"] == r["requests"] > 0, r
assert sides["monolith"]["report"]["domain"]["ordersCancelled"] > 0, sides["monolith"]["report"]["domain"]
# The storefront: orders queued (202) or compensated (cancelled, 409), hardly any 5xx.
orders = route("storefront", "placeOrder")
domain = sides["storefront"]["report"]["domain"]
assert orders["queued"] > 0 or domain["compensations"] > 0, (orders, domain)
assert orders["failed"] / orders["requests"] < 0.05, orders
for kind in ("browse", "search", "viewUser"):
    assert route("storefront", kind)["failed"] == 0, route("storefront", kind)
assert c["ratios"]["cpuPerRequest"] is not None and c["ratios"]["p50"] is not None, c["ratios"]
PY
pass "payment=errors:0.5: the monolith's orders fail, browsing stays up; the storefront's orders are queued or compensated; invariants hold"

"$BINARY" compare monolith storefront --duration 2s --fault shop=latency:5ms >"$WORK/compare.txt" 2>"$WORK/compare.err"
status=$?
[ "$status" = 0 ] || fail "meshtop compare (text) exited with $status: $(cat "$WORK/compare.txt") $(cat "$WORK/compare.err")"
for line in '^fault: shop=latency:5ms -> monolith: shop; storefront: no shop, not applied  \(\*\)$' \
    '^ +monolith +storefront +storefront / monolith$' '^  CPU s per 1,000 req +[0-9.]+ +[0-9.]+ +[0-9.]+x$' \
    '^KIND +monolith FAILED +REJECTED +QUEUED +storefront FAILED +REJECTED +QUEUED$' '^placeOrder +[0-9.]+%'; do
    grep -Eq "$line" "$WORK/compare.txt" || fail "the table has no line matching '$line': $(cat "$WORK/compare.txt")"
done
pass "the text form: the one-sided fault marked, a column per system with ratios, the blast radius"

CURRENT_TEST="compare, a crash's blast radius"
"$BINARY" compare monolith storefront --scenario "$(dirname "$0")/../../demo/compare/payment-crash.json" --rps 100 --json >"$WORK/crash.json" 2>"$WORK/crash.err"
status=$?
[ "$status" = 0 ] || fail "meshtop compare --scenario payment-crash exited with $status: $(head -c 1500 "$WORK/crash.json") $(cat "$WORK/crash.err")"
python3 - "$WORK/crash.json" <<'PY' || fail "the crash comparison: $(head -c 4000 "$WORK/crash.json")"
import json, sys
c = json.load(open(sys.argv[1]))
sides = {s["system"]: s for s in c["sides"]}
def route(side, kind):
    return next(r for r in sides[side]["routes"] if r["route"] == kind)
for name, side in sides.items():
    assert side["report"]["invariants"]["ok"], (name, side["report"]["invariants"])
# The payment crash takes the monolith's process down: browsing fails too, for the crash's share of the run.
assert route("monolith", "browse")["failed"] > 0 and route("monolith", "search")["failed"] > 0, (route("monolith", "browse"), route("monolith", "search"))
# In the storefront it stays in its corner: nothing but orders notices, and they are queued.
for kind in ("browse", "search", "viewUser", "placeOrder"):
    assert route("storefront", kind)["failed"] == 0, route("storefront", kind)
assert route("storefront", "placeOrder")["queued"] > 0, route("storefront", "placeOrder")
PY
pass "demo/compare/payment-crash.json: the monolith's every route fails during the crash, the storefront's orders are queued and nothing else notices"

# ---------------------------------------------------------------------------------------------
CURRENT_TEST="compare, bad input"
# expect_usage DESCRIPTION MESSAGE ARGS...: exit 2 and MESSAGE on standard error, nothing printed.
expect_usage() {
    local description=$1 message=$2
    shift 2
    "$BINARY" compare "$@" >"$WORK/out" 2>"$WORK/err"
    local status=$?
    [ "$status" = 2 ] || fail "$description: exit $status, expected 2: $(cat "$WORK/out") $(cat "$WORK/err")"
    grep -qF -- "$message" "$WORK/err" || fail "$description: the error does not say '$message': $(cat "$WORK/err")"
    [ ! -s "$WORK/out" ] || fail "$description: something was printed: $(cat "$WORK/out")"
    pass "$description: exit 2, $message"
}
expect_usage "an unknown system" 'unknown system "bank"; expected one of storefront, streaming, rides, marketplace, monolith' monolith bank
expect_usage "the same system twice" "monolith is named twice; expected two different systems" monolith monolith
expect_usage "a component neither system has" 'neither monolith nor storefront has a component "billing"; expected COMPONENT=KIND[:VALUE] with COMPONENT one of gateway, shop,' \
    monolith storefront --fault billing=down

echo "PASS: all $CHECKS checks ($(elapsed))"
