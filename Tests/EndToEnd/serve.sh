#!/usr/bin/env bash
# End-to-end acceptance of `meshtop serve` on the built binary, over loopback only: the address
# printed for --listen 127.0.0.1:0, the control API's refusals (403 without a token configured,
# 401 wrong or missing, 400 naming the field, 404 listing what exists), a breaker tripped through it
# (seen in the snapshot and in the event log with origin api), the option checks (exit 2), and a
# clean exit 0 on SIGTERM.
# Usage: Tests/EndToEnd/serve.sh BINARY
set -uo pipefail
bin=${1:?usage: serve.sh BINARY}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/serve-lib.sh"
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
work=$(mktemp -d)
serve_pid=""
trap '[ -n "$serve_pid" ] && kill -KILL "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

# post TOKEN BODY: POSTs BODY to the control API (no Authorization header when TOKEN is empty);
# prints the status, and leaves the body in $work/body.
post() {
    local auth=()
    [ -n "$1" ] && auth=(-H "Authorization: Bearer $1")
    curl -s -o "$work/body" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/json' --data-binary "$2" "$base/api/v1/control"
}

# 1. No token: prints its address at once, answers, the control API is off (403 saying how).
if start_serve "$work/out1" --rps 50 --seed 3; then
    pass "--listen 127.0.0.1:0 printed: $(head -1 "$work/out1")"
else
    fail "no 'serving ... on http://127.0.0.1:PORT' line: $(cat "$work/out1" "$work/out1.err")"
fi
wait_ready && pass "/readyz turned 200" || fail "/readyz never 200"
[ "$(curl -s "$base/healthz")" = '{"status":"ok"}' ] && pass "/healthz ok" || fail "/healthz: $(curl -s "$base/healthz")"
status=$(post "" '{"action":"reset","breaker":"order-service->payment-service"}')
[ "$status" = 403 ] && grep -q -- "--token-file" "$work/body" && pass "control without a token configured: 403 naming --token-file" \
    || fail "control without a token configured: $status $(cat "$work/body")"
stop_serve
[ "$stop_status" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $stop_status; stderr: $(cat "$work/out1.err")"

# 2. With a token: 401 missing or wrong; the right one trips a breaker, seen in the snapshot and
#    the event log (origin api with the client's address).
printf 's3cret-%s\n' "$RANDOM$RANDOM" > "$work/token"
token=$(tr -d '\n' < "$work/token")
start_serve "$work/out2" --rps 50 --seed 3 --token-file "$work/token" || fail "serve with a token did not start: $(cat "$work/out2.err")"
wait_ready || fail "/readyz never 200 (with a token)"
status=$(post "" '{"action":"trip","breaker":"order-service->payment-service"}')
[ "$status" = 401 ] && pass "control without Authorization: 401" || fail "control without Authorization: $status $(cat "$work/body")"
status=$(post "wrong-$token" '{"action":"trip","breaker":"order-service->payment-service"}')
[ "$status" = 401 ] && pass "control with a wrong token: 401" || fail "control with a wrong token: $status $(cat "$work/body")"
status=$(post "$token" '{"action":"trip","breaker":"order-service->payment-service","seconds":300}')
[ "$status" = 200 ] && grep -q '"applied"' "$work/body" && pass "control with the token: 200 $(cat "$work/body")" \
    || fail "control with the token: $status $(cat "$work/body")"
curl -s "$base/api/v1/snapshot?window=5" > "$work/snapshot.json"
python3 - "$work/snapshot.json" <<'PY' && pass "snapshot: breaker forced open; event log: tripped by api 127.0.0.1:PORT" || fail "snapshot after trip: $(head -c 1500 "$work/snapshot.json")"
import json, re, sys
s = json.load(open(sys.argv[1]))
b = next(b for b in s["breakers"] if b["id"] == "order-service->payment-service")
assert b["state"] == "forcedOpen", b["state"]
e = next(e for e in s["events"] if e["kind"] == "manualAction" and e["source"] == "order-service->payment-service")
assert re.search(r"by api 127\.0\.0\.1:\d+$", e["message"]), e
assert re.fullmatch(r"api 127\.0\.0\.1:\d+", e["attributes"]["origin"]), e
PY

# Metrics-only, then disable: 200, the breaker's state follows, and the interventions list the
# trip (ended by the metrics-only) and both actions with their origin.
status=$(post "$token" '{"action":"metrics-only","breaker":"order-service->payment-service"}')
[ "$status" = 200 ] && grep -q '"metrics-only"' "$work/body" && pass "metrics-only: 200 $(cat "$work/body")" || fail "metrics-only: $status $(cat "$work/body")"
curl -s "$base/api/v1/snapshot?window=5" > "$work/snapshot.json"
python3 - "$work/snapshot.json" <<'PY' && pass "snapshot: metrics-only with a shadow; interventions trip, metrics-only by api" || fail "snapshot after metrics-only: $(head -c 1500 "$work/snapshot.json")"
import json, re, sys
s = json.load(open(sys.argv[1]))
b = next(b for b in s["breakers"] if b["id"] == "order-service->payment-service")
assert b["state"] == "metricsOnly", b["state"]
assert "wouldBeOpen" in b["shadow"], b
actions = [(i["action"], i["target"]) for i in s["interventions"]]
assert actions[-2:] == [("trip", "order-service->payment-service"), ("metrics-only", "order-service->payment-service")], actions
trip = s["interventions"][-2]
assert trip["endedBy"].startswith("metrics-only by api 127.0.0.1:") and "callsRejected" in trip["effect"], trip
assert re.fullmatch(r"api 127\.0\.0\.1:\d+", s["interventions"][-1]["origin"]), s["interventions"][-1]
PY
status=$(post "$token" '{"action":"disable","breaker":"order-service->payment-service"}')
[ "$status" = 200 ] && curl -s "$base/api/v1/snapshot?window=5" | python3 -c 'import json,sys; s=json.load(sys.stdin); assert next(b for b in s["breakers"] if b["id"] == "order-service->payment-service")["state"] == "disabled"' \
    && pass "disable: 200, the breaker is disabled" || fail "disable: $status $(cat "$work/body")"

# A policy change on the same edge, then its restore: 200, and the interventions list both with
# their origin, the change ended by the restore and measured from the edge's calls; the breaker
# stays disabled (a policy change leaves a breaker's manual state alone).
status=$(post "$token" '{"action":"policy","edge":"order-service->payment-service","timeoutMs":200,"maxAttempts":1}')
[ "$status" = 200 ] && grep -q '"timeoutMs":200' "$work/body" && pass "policy: 200 $(cat "$work/body")" || fail "policy: $status $(cat "$work/body")"
status=$(post "$token" '{"action":"policy","edge":"order-service->payment-service","restore":true}')
[ "$status" = 200 ] || fail "policy restore: $status $(cat "$work/body")"
curl -s "$base/api/v1/snapshot?window=5" > "$work/snapshot.json"
python3 - "$work/snapshot.json" <<'PY' && pass "snapshot: policy change ended by its restore, with the edge's calls; breaker still disabled" || fail "snapshot after policy: $(head -c 1500 "$work/snapshot.json")"
import json, re, sys
s = json.load(open(sys.argv[1]))
b = next(b for b in s["breakers"] if b["id"] == "order-service->payment-service")
assert b["state"] == "disabled", b["state"]
change, restore = s["interventions"][-2:]
assert (change["action"], change["target"], change["detail"]) == ("policy", "order-service->payment-service", "timeout 200ms, 1 attempt (no retries)"), change
assert change["endedBy"].startswith("policy by api 127.0.0.1:") and change["effect"]["callsMade"] >= 0 and "callsFailed" in change["effect"], change
assert restore["action"] == "policy" and restore["detail"].startswith("restored to its built policy") and restore["endedAtSeconds"] == restore["atSeconds"], restore
assert re.fullmatch(r"api 127\.0\.0\.1:\d+", restore["origin"]), restore
PY

# 3. Bad bodies: 400 naming the field; an unknown breaker 404 listing the known ones; too large 413.
check_400() { # BODY FIELD
    local status field
    status=$(post "$token" "$1")
    field=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("field", "-"))' "$work/body" 2>/dev/null)
    [ "$status" = 400 ] && [ "$field" = "$2" ] && pass "400 naming $2: $(cat "$work/body" | head -c 160)" || fail "body $1: $status field=$field $(cat "$work/body")"
}
check_400 '{"action":"trip","breaker":42}' breaker
check_400 '{"action":"explode","breaker":"x"}' action
check_400 '{"action":"metricsOnly","breaker":"x"}' action
check_400 '{"action":"disable","breaker":"x","seconds":5}' seconds
check_400 '{"action":"fault","service":"payment-service","fault":{"kind":"melt"}}' fault.kind
check_400 '{"action":"fault","service":"payment-service","fault":{"kind":"errors","ratio":2}}' fault.ratio
check_400 '{"action":"policy","edge":"order-service->payment-service","timeoutMs":-5}' timeoutMs
check_400 '{"action":"policy","edge":"order-service->payment-service","maxAttempts":50}' maxAttempts
check_400 '{"action":"policy","edge":"order-service->payment-service","restore":true,"maxAttempts":2}' maxAttempts
status=$(post "$token" '{"action":"trip","breaker":')
[ "$status" = 400 ] && pass "malformed JSON: 400" || fail "malformed JSON: $status $(cat "$work/body")"
status=$(post "$token" '{"action":"reset","breaker":"nobody->nothing"}')
[ "$status" = 404 ] && grep -q "order-service->payment-service" "$work/body" && pass "unknown breaker: 404 listing the known ones" \
    || fail "unknown breaker: $status $(cat "$work/body")"
status=$(post "$token" '{"action":"policy","edge":"order-service->paymnt","maxAttempts":2}')
[ "$status" = 404 ] && grep -q '"field":"edge"' "$work/body" && grep -q "payment-service" "$work/body" && pass "unknown edge: 404 on edge listing the services" \
    || fail "unknown edge: $status $(cat "$work/body")"
head -c 100000 /dev/zero | tr '\0' ' ' > "$work/large"
status=$(curl -s -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" --data-binary @"$work/large" "$base/api/v1/control")
[ "$status" = 413 ] && pass "100 kB body: 413" || fail "100 kB body: $status $(cat "$work/body")"

# 4. The other routes answer as the contract says.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/snapshot?window=0")" = 400 ] && pass "window=0: 400" || fail "window=0 not 400"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/traces/nothex")" = 400 ] && pass "trace id not hex: 400" || fail "trace id not hex not 400"
curl -s "$base/api/v1/traces?order=slowest&limit=3" > "$work/page.json"
id=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert len(p["rows"]) == 3, p; print(p["rows"][0]["traceId"])' "$work/page.json") \
    && pass "traces page of 3, slowest first" || fail "traces page: $(head -c 500 "$work/page.json")"
[ -n "${id:-}" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/traces/$id")" = 200 ] && pass "trace $id: 200" || fail "trace ${id:-?} not 200"
curl -s -N --max-time 2 "$base/api/v1/feed?interval=200" > "$work/feed" 2>/dev/null
events=$(grep -c '^event: snapshot$' "$work/feed")
[ "$events" -ge 5 ] && [ "$events" -le 12 ] && pass "feed: $events snapshot events in 2 s at 200 ms" || fail "feed: $events events in 2 s"

# 5. An open feed does not hold up SIGTERM.
curl -s -N "$base/api/v1/feed?interval=5000" > /dev/null 2>&1 & feed_pid=$!
sleep 0.5
stop_serve
wait "$feed_pid" 2>/dev/null
[ "$stop_status" = 0 ] && pass "SIGTERM with an open feed: exit 0" || fail "SIGTERM with an open feed: exit $stop_status"
serve_pid=""

# 6. Option checks: exit 2 with a message, nothing served.
msg=$("$bin" serve --listen 0.0.0.0:0 2>&1); status=$?
[ "$status" = 2 ] && echo "$msg" | grep -q -- "--token-file" && pass "non-loopback without a token: exit 2: $(echo "$msg" | head -1 | head -c 160)" \
    || fail "non-loopback without a token: $status $msg"
: > "$work/empty"
msg=$("$bin" serve --token-file "$work/empty" 2>&1); status=$?
[ "$status" = 2 ] && echo "$msg" | grep -q "empty" && pass "empty token file: exit 2" || fail "empty token file: $status $msg"
msg=$("$bin" serve --token-file "$work/missing" 2>&1); status=$?
[ "$status" = 2 ] && echo "$msg" | grep -q "cannot read" && pass "unreadable token file: exit 2" || fail "unreadable token file: $status $msg"
msg=$("$bin" serve --listen localhost 2>&1); status=$?
[ "$status" = 2 ] && pass "--listen without a port: exit 2" || fail "--listen without a port: $status $msg"

# 7. --duration ends a serve by itself, exit 0.
start=$SECONDS
"$bin" serve --listen 127.0.0.1:0 --duration 2s --rps 20 > /dev/null 2>&1; status=$?
[ "$status" = 0 ] && [ $((SECONDS - start)) -le 10 ] && pass "--duration 2s: exit 0 after $((SECONDS - start)) s" || fail "--duration 2s: exit $status after $((SECONDS - start)) s"

echo "serve end to end: $failures failure(s)"
[ "$failures" = 0 ]
