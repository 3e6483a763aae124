#!/usr/bin/env bash
# A real Prometheus scrapes `meshtop serve` (both on loopback) every second, and what it computes
# agrees with meshtop's own snapshot: per-service request rates over 10 s, breaker states, and a
# breaker tripped through the control API. Also: the exposition passes `promtool check metrics`.
# Installs Debian's 'prometheus' (server and promtool) if missing.
# Usage: Tests/EndToEnd/prometheus.sh BINARY
set -uo pipefail
bin=${1:?usage: prometheus.sh BINARY}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/serve-lib.sh"
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! command -v prometheus >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "prometheus.sh: installing Debian's 'prometheus'"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    fi
    command -v prometheus >/dev/null 2>&1 || { echo "FAIL: prometheus is not installed and cannot be"; exit 1; }
fi

work=$(mktemp -d)
serve_pid=""; prom_pid=""
trap '[ -n "$serve_pid" ] && kill -KILL "$serve_pid" 2>/dev/null; [ -n "$prom_pid" ] && kill -TERM "$prom_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

printf 'prom-%s\n' "$RANDOM$RANDOM" > "$work/token"
token=$(tr -d '\n' < "$work/token")
start_serve "$work/serve.out" --rps 150 --seed 11 --token-file "$work/token" || { echo "FAIL: serve did not start: $(cat "$work/serve.out.err")"; exit 1; }
wait_ready || fail "serve never ready"
target=${base#http://}

# 1. Prometheus's own checker accepts the exposition.
curl -s "$base/metrics" > "$work/metrics.txt"
if promtool check metrics < "$work/metrics.txt" > "$work/promtool.out" 2>&1; then
    pass "promtool check metrics: $(wc -l < "$work/metrics.txt") lines, no problems"
else
    fail "promtool check metrics: $(head -20 "$work/promtool.out")"
fi

# 2. Prometheus on loopback, its own storage, scraping serve every second.
prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: meshtop
    static_configs:
      - targets: ['$target']
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn > "$work/prometheus.log" 2>&1 &
prom_pid=$!
prom="http://127.0.0.1:$prom_port"

# query PROMQL [TIME]: prints the JSON answer of Prometheus's instant-query API.
query() {
    if [ -n "${2:-}" ]; then
        curl -s --get "$prom/api/v1/query" --data-urlencode "query=$1" --data-urlencode "time=$2"
    else
        curl -s --get "$prom/api/v1/query" --data-urlencode "query=$1"
    fi
}
# scalar PROMQL: the single value of an instant query, or nothing.
scalar() {
    query "$1" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null
}

# Waits on conditions, never a fixed time: Prometheus up, then 13 successful scrapes of serve
# (a 10 s rate needs the window full, plus a margin for the first scrape's timing).
deadline=$((SECONDS + 60))
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$prom/-/ready")" = 200 ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
until [ "$(scalar 'sum_over_time(up{job="meshtop"}[30s])' | cut -d. -f1)" -ge 13 ] 2>/dev/null || [ $SECONDS -ge $deadline ]; do sleep 0.5; done
scrapes=$(scalar 'sum_over_time(up{job="meshtop"}[30s])')
[ "${scrapes%%.*}" -ge 13 ] 2>/dev/null && pass "Prometheus scraped serve $scrapes times, every 1 s" || { fail "Prometheus scrapes: '${scrapes}'; log: $(tail -5 "$work/prometheus.log")"; exit 1; }

# 3. Request rates: Prometheus's rate over 10 s, evaluated at the moment meshtop took its snapshot,
#    against the snapshot's rps over a 10 s window, per service.
#
#    Tolerance: 15% of meshtop's figure, and at least 3 req/s. The two windows are 10 s long
#    but not the same 10 s: meshtop's covers its last 10 closed whole seconds (up to 1 s before the
#    snapshot, on its own second boundaries), Prometheus's the samples scraped in (t-10 s, t], up to
#    a scrape interval (1 s) apart, extrapolated to the window's edges. So up to ~2 of 10 s differ.
#    Arrivals are an open-loop Poisson-like process, so at 150 req/s a single second varies by
#    about ±12 requests (√150), and two differing seconds move a 10 s rate by ~2-3%; services
#    with a few req/s vary relatively more, hence the absolute floor. A counter read at the wrong
#    moment, a missed scrape or a wrong label would be off by far more (a tenth or more).
curl -s "$base/api/v1/snapshot?window=10" > "$work/snapshot.json"
at=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["takenAt"])' "$work/snapshot.json")
query 'sum by (service) (rate(requests_total{job="meshtop"}[10s]))' "$at" > "$work/rates.json"
python3 - "$work/snapshot.json" "$work/rates.json" <<'PY' && pass "rate(requests_total[10s]) per service agrees with the snapshot (±15%, ≥ 3 req/s)" || fail "rates differ"
import json, sys
snapshot = json.load(open(sys.argv[1]))
answer = json.load(open(sys.argv[2]))
assert answer["status"] == "success", answer
prom = {r["metric"]["service"]: float(r["value"][1]) for r in answer["data"]["result"]}
ours = {s["name"]: s["rps"] for s in snapshot["services"] if s["rps"] > 0}
assert ours, "no service has traffic in the snapshot"
bad = []
for name, rps in sorted(ours.items()):
    got = prom.get(name)
    ok = got is not None and abs(got - rps) <= max(3.0, 0.15 * rps)
    print(f"  {name:24} meshtop {rps:8.2f}  prometheus {got if got is None else round(got, 2)!s:>8}  {'ok' if ok else 'DIFFERENT'}")
    if not ok: bad.append(name)
assert ours["gateway"] > 50, f"gateway rate {ours['gateway']} is not the traffic sent"
assert not bad, bad
PY

# 4. A breaker tripped through the control API: the snapshot says forcedOpen, and so does
#    Prometheus's breaker_state once it has scraped again; every other breaker agrees too.
breaker="order-service->payment-service"
status=$(curl -s -o "$work/control.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    --data-binary "{\"action\":\"trip\",\"breaker\":\"$breaker\"}" "$base/api/v1/control")
[ "$status" = 200 ] && pass "tripped $breaker through the control API" || fail "trip: $status $(cat "$work/control.json")"
deadline=$((SECONDS + 15))
until [ "$(scalar "breaker_state{breaker=\"$breaker\",state=\"forcedOpen\"}")" = 1 ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
[ "$(scalar "breaker_state{breaker=\"$breaker\",state=\"forcedOpen\"}")" = 1 ] && pass "Prometheus shows breaker_state{breaker=\"$breaker\",state=\"forcedOpen\"} 1" \
    || fail "Prometheus never showed $breaker forced open"
curl -s "$base/api/v1/snapshot" > "$work/snapshot2.json"
query 'breaker_state{job="meshtop"} == 1' > "$work/states.json"
python3 - "$work/snapshot2.json" "$work/states.json" "$breaker" <<'PY' && pass "breaker_state == 1 in Prometheus matches every breaker's state in the snapshot" || fail "breaker states differ"
import json, sys
snapshot = json.load(open(sys.argv[1]))
answer = json.load(open(sys.argv[2]))
prom = {r["metric"]["breaker"]: r["metric"]["state"] for r in answer["data"]["result"]}
ours = {b["id"]: b["state"] for b in snapshot["breakers"]}
assert ours[sys.argv[3]] == "forcedOpen", ours[sys.argv[3]]
# A breaker may change state between the scrape and the snapshot (open → halfOpen on its own);
# with no fault injected none should, so any difference is reported.
diff = {k: (v, prom.get(k)) for k, v in ours.items() if prom.get(k) != v}
print(f"  {len(ours)} breakers; differing: {diff or 'none'}")
assert not diff, diff
PY

stop_serve
[ "$stop_status" = 0 ] && pass "serve exits 0 on SIGTERM while scraped" || fail "serve exit $stop_status"
serve_pid=""
echo "prometheus end to end: $failures failure(s)"
[ "$failures" = 0 ]
