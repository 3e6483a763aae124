#!/usr/bin/env bash
# End-to-end checks of `meshtop demo --headless` on the built binary: exit statuses, reports,
# invariants, a shipped scenario's promised effect, and a prompt end with a report on SIGTERM.
# Usage: Tests/EndToEnd/headless.sh BINARY
set -uo pipefail
bin=${1:?usage: headless.sh BINARY}
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. A clean run: exit 0, all seven services served requests, orders confirmed, invariants ok.
out=$(mktemp); trap 'rm -f "$out"' EXIT
"$bin" demo --headless --duration 10s --seed 7 --json > "$out"; status=$?
[ "$status" = 0 ] && pass "clean run exits 0" || fail "clean run exited $status"
python3 - "$out" <<'PY' && pass "clean run: seven services with requests, confirmed orders, invariants ok" || fail "clean run report: $(head -c 2000 "$out")"
import json, sys
r = json.load(open(sys.argv[1]))
names = {s["name"] for s in r["services"] if s["requests"] > 0}
want = {"gateway", "user-service", "product-service", "inventory-service", "payment-service", "order-service", "notification-service"}
assert want <= names, f"services without requests: {want - names}"
assert r["orders"]["confirmed"] > 0 and r["orders"]["pending"] == 0, r["orders"]
assert r["invariants"]["ok"] is True, r["invariants"]
for field in ["system", "durationSeconds", "breakers", "traces"]: assert field in r, field
PY

# 2. Payment failing 70%: its breaker opens (with a reason), the fallback or compensations run,
#    and the invariants still hold once the run has drained.
"$bin" demo --headless --duration 10s --seed 7 --fault payment-service=errors:0.7 --json > "$out"; status=$?
[ "$status" = 0 ] && pass "payment fault run exits 0 (invariants hold)" || fail "payment fault run exited $status"
python3 - "$out" <<'PY' && pass "payment fault: order-service->payment-service opened with a reason; compensations or queued payments" || fail "payment fault report: $(head -c 2000 "$out")"
import json, sys
r = json.load(open(sys.argv[1]))
b = next(b for b in r["breakers"] if b["id"] == "order-service->payment-service")
opened = [t for t in b["transitions"] if t["to"] == "open"]
assert opened and opened[0]["reason"], b
o = r["orders"]
assert o["compensations"] + o["paymentsQueued"] > 0, o
assert r["invariants"]["ok"] is True, r["invariants"]
PY

# 3. A bad value: a clear message naming what is accepted, exit status 2, nothing run.
msg=$("$bin" demo --headless --fault payment-service=errors:2 2>&1); status=$?
[ "$status" = 2 ] && echo "$msg" | grep -q "0" && pass "bad --fault exits 2: $(echo "$msg" | head -1)" || fail "bad --fault: status $status, message: $msg"
msg=$("$bin" demo --headless --sample 2 2>&1); status=$?
[ "$status" = 2 ] && echo "$msg" | grep -q "expected the share of traces to keep, a number from 0 to 1" && pass "bad --sample exits 2: $(echo "$msg" | head -1)" || fail "bad --sample: status $status, message: $msg"

# 4. A shipped scenario shows what it promises: inventory slowed past order-service's per-attempt
#    timeout, so its calls time out and are retried (the whole scenario: 45 s).
"$bin" demo --headless --scenario demo/storefront/slow-inventory-then-notifications-down.json --json > "$out"; status=$?
[ "$status" = 0 ] && pass "slow-inventory scenario exits 0" || fail "slow-inventory scenario exited $status"
python3 - "$out" <<'PY' && pass "slow-inventory scenario: order-service -> inventory-service timed out and retried" || fail "slow-inventory report: $(head -c 3000 "$out")"
import json, sys
r = json.load(open(sys.argv[1]))
c = next(c for c in r["calls"] if c["caller"] == "order-service" and c["target"] == "inventory-service")
assert c["timeouts"] > 0 and c["retries"] > 0, c
assert r["invariants"]["ok"] is True, r["invariants"]
PY

# 5. SIGTERM ends a long run within 2 s, with the report of what ran (marked interrupted).
"$bin" demo --headless --duration 60s --seed 7 --json > "$out" & pid=$!
sleep 3
start=$(date +%s%N); kill -TERM "$pid"; wait "$pid"; status=$?; end=$(date +%s%N)
elapsed_ms=$(( (end - start) / 1000000 ))
[ "$elapsed_ms" -le 2000 ] && pass "SIGTERM ended the run in ${elapsed_ms} ms" || fail "SIGTERM took ${elapsed_ms} ms (limit 2000)"
# An interrupted run settles for about a second only: orders still in flight then are reported as
# pending (an invariant, exit 1) rather than hidden, so either status is right; the report must say
# it was interrupted and that it was checked.
python3 - "$out" "$status" <<'PY' && pass "SIGTERM: report printed, marked interrupted, invariants checked (exit $status)" || fail "SIGTERM report (exit $status): $(head -c 2000 "$out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert sys.argv[2] in ("0", "1"), f"exit status {sys.argv[2]}"
assert r["interrupted"] is True, r["interrupted"]
assert 1 < r["durationSeconds"] < 10, r["durationSeconds"]
assert r["invariants"]["ok"] is (sys.argv[2] == "0"), (sys.argv[2], r["invariants"])
PY

[ "$failures" = 0 ] && echo "PASS: headless checks" || { echo "FAIL: $failures headless check(s)"; exit 1; }
