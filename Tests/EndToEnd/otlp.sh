#!/usr/bin/env bash
# OpenTelemetry in and out, end to end, with real OpenTelemetry clients:
#  1. three services instrumented with the Python SDK send a call chain and metrics to
#     `meshtop watch --headless`; its API shows the three services, their request figures, the
#     calls between them, every trace assembled with the right parents, and the logs of Python's
#     logging joined to their traces and spans (otlp/three_services.py);
#     bad bodies get OTLP's statuses; a JSON body sent with curl is kept; bad options exit 2;
#  2. `meshtop demo --headless --otlp-export` to a receiver that decodes with the official Python
#     protobuf classes and checks names, ids, parents, attributes and resources (otlp/receiver.py);
#  3. `meshtop demo --otlp-export` in one tmux pane, watched by `meshtop watch` in another.
# Usage: Tests/EndToEnd/otlp.sh BINARY PYTHON   (PYTHON: a venv's python with opentelemetry-sdk,
#        opentelemetry-exporter-otlp-proto-http and opentelemetry-proto; .ci/run makes one)
set -uo pipefail
python=${2:?usage: otlp.sh BINARY PYTHON}
here=$(cd "$(dirname "$0")" && pwd)
set -- "$1"
# shellcheck source=tmux-lib.sh
. "$here/tmux-lib.sh" "$@"
watch_pid=""
trap '[ -n "$watch_pid" ] && kill -KILL "$watch_pid" 2>/dev/null; cleanup' EXIT

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- 1. The Python SDK into `watch --headless` ------------------------------------------------
CURRENT_TEST="watch --headless"
"$BINARY" watch --headless --otlp-listen 127.0.0.1:0 --listen 127.0.0.1:0 >"$WORK/watch.out" 2>"$WORK/watch.err" &
watch_pid=$!
wait_for 20 "watch to print both addresses" sh -c "grep -q '^receiving OTLP on http://' '$WORK/watch.out' && grep -q '^serving otlp on http://' '$WORK/watch.out'"
otlp=$(grep -o 'receiving OTLP on http://[0-9.:]*' "$WORK/watch.out" | cut -d' ' -f4)
api=$(grep -o 'serving otlp on http://[0-9.:]*' "$WORK/watch.out" | cut -d' ' -f4)
pass "watch prints where it receives ($otlp) and serves ($api)"

if "$python" "$here/otlp/three_services.py" "$otlp" "$api" >"$WORK/sdk.out" 2>&1; then
    pass "the Python SDK's three services: $(grep -c '^PASS' "$WORK/sdk.out") checks passed"
else
    cat "$WORK/sdk.out"
    fail "the Python SDK's three services (above)"
fi

# post TYPE BODY-FILE [EXTRA CURL ARGS]: prints the status, leaves the answer in $WORK/answer.
post() {
    local type=$1 file=$2
    shift 2
    curl -s -o "$WORK/answer" -w '%{http_code}' -H "Content-Type: $type" --data-binary "@$file" "$@" "$otlp/v1/traces"
}
printf 'not protobuf' >"$WORK/text"
printf '\x0a\x05\x01' >"$WORK/truncated"
: >"$WORK/empty"
head -c 4096 /dev/urandom >"$WORK/random"
printf '%s' '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"curl-json"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"GET /json","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000005000000"},{"traceId":"00000000000000000000000000000000","spanId":"eee19b7ec3c1b175","name":"zero"}]}]}]}' >"$WORK/json"

status=$(post text/plain "$WORK/text")
[ "$status" = 415 ] && grep -q 'application/x-protobuf or application/json' "$WORK/answer" && pass "wrong content type: 415 naming what is accepted" || fail "wrong content type: $status $(cat "$WORK/answer")"
status=$(post application/x-protobuf "$WORK/truncated")
[ "$status" = 400 ] && grep -q 'not a protobuf' "$WORK/answer" && pass "truncated protobuf: 400 with a google.rpc.Status" || fail "truncated protobuf: $status"
status=$(post application/x-protobuf "$WORK/random")
[ "$status" = 400 ] || [ "$status" = 200 ] && pass "4 KiB of random bytes: $status, no crash" || fail "random body: $status"
status=$(post application/x-protobuf "$WORK/random" -H 'Content-Encoding: gzip')
[ "$status" = 400 ] && grep -q 'not valid gzip' "$WORK/answer" && pass "random bytes as gzip: 400" || fail "random gzip: $status"
status=$(post application/x-protobuf "$WORK/empty")
[ "$status" = 200 ] && pass "an empty protobuf body is an empty request: 200" || fail "empty protobuf: $status"
status=$(post application/json "$WORK/empty")
[ "$status" = 400 ] && pass "an empty JSON body: 400" || fail "empty JSON: $status"
status=$(post application/json "$WORK/json")
[ "$status" = 200 ] && grep -q '"rejectedSpans":"1"' "$WORK/answer" && grep -q 'all zero' "$WORK/answer" \
    && pass "JSON with an all-zero trace id: 200, partial success rejecting that span: $(cat "$WORK/answer")" || fail "JSON partial success: $status $(cat "$WORK/answer")"
tree=$(curl -s "$api/api/v1/traces/5b8efff798038103d269b633813fc60c")
echo "$tree" | grep -q '"service":"curl-json"' && pass "the JSON span is kept, with its hex ids" || fail "JSON span: $tree"
status=$(curl -s -o "$WORK/answer" -w '%{http_code}' "$otlp/v1/traces")
[ "$status" = 405 ] && pass "GET /v1/traces: 405" || fail "GET /v1/traces: $status"
status=$(curl -s -o "$WORK/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/x-protobuf' "$otlp/v1/spans")
[ "$status" = 404 ] && grep -q '/v1/traces' "$WORK/answer" && pass "an unknown path: 404 listing the routes" || fail "unknown path: $status"
status=$(curl -s -o "$WORK/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{"action":"reset","breaker":"x"}' "$api/api/v1/control")
[ "$status" = 403 ] && pass "the control API is off on a watch: 403" || fail "control on watch: $status"
kill -TERM "$watch_pid"
wait "$watch_pid"
status=$?
watch_pid=""
[ "$status" = 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $status; $(cat "$WORK/watch.err")"

CURRENT_TEST="bad options"
expect_usage() {
    local expected=$1
    shift
    "$BINARY" "$@" >"$WORK/out" 2>"$WORK/err"
    local status=$?
    [ "$status" = 2 ] && grep -q -- "$expected" "$WORK/err" && pass "$* → exit 2: $(grep -m1 -- "$expected" "$WORK/err")" \
        || fail "$*: exit $status, stderr: $(cat "$WORK/err")"
}
expect_usage "HOST:PORT" watch --headless --otlp-listen nowhere
expect_usage "add --headless" watch --listen 127.0.0.1:0
expect_usage "duration" watch --headless --duration soon
expect_usage "not an http:// or https:// URL" demo --headless --otlp-export ftp://collector:4318
expect_usage "port 99999 is not 1…65535" serve --otlp-export http://127.0.0.1:99999
expect_usage "without it" demo --headless --otlp-export http://127.0.0.1:4318/v1/traces

# --- 2. demo --otlp-export into the official Python protobuf classes ---------------------------
CURRENT_TEST="demo --otlp-export"
"$python" "$here/otlp/receiver.py" "$WORK/port" "$WORK/done" >"$WORK/receiver.out" 2>&1 &
receiver_pid=$!
wait_for 20 "the receiver's port" test -s "$WORK/port"
"$BINARY" demo --headless --duration 3s --rps 100 --seed 5 --otlp-export "http://127.0.0.1:$(cat "$WORK/port")" >"$WORK/demo.out" 2>&1
demo_status=$?
touch "$WORK/done"
wait "$receiver_pid"
receiver_status=$?
[ "$demo_status" = 0 ] && pass "demo --headless --otlp-export: exit 0" || fail "demo exit $demo_status: $(tail -5 "$WORK/demo.out")"
if [ "$receiver_status" = 0 ]; then
    pass "the official protobuf classes decode what was sent: $(grep -c '^PASS' "$WORK/receiver.out") checks passed"
else
    cat "$WORK/receiver.out"
    fail "the receiver's checks (above)"
fi
kept=$(grep -o 'kept [0-9]*' "$WORK/demo.out" | head -1 | cut -d' ' -f2)
roots=$(grep -o '[0-9]* roots, all server spans' "$WORK/receiver.out" | cut -d' ' -f1)
[ -n "$kept" ] && [ "$kept" = "$roots" ] && pass "every trace the demo kept arrived: $kept roots" || fail "demo kept $kept traces, the receiver got $roots roots"

# --- 3. demo in one pane, watch in another ------------------------------------------------------
CURRENT_TEST="watch on the dashboard"
port=$(free_port)
start_pane "$(printf %q "$BINARY") watch --otlp-listen 127.0.0.1:$port"
wait_for 15 "the watch's dashboard" screen_has 'otlp'
DEMO_SESSION=exporter
tm new-session -d -s "$DEMO_SESSION" -x 120 -y 40 "$BINARY demo --otlp-export http://127.0.0.1:$port; sleep 600" || fail "tmux could not start the demo's pane"
wait_for 30 "the storefront's services on the watch" screen_has 'order-service'
screen_has 'gateway' && screen_has 'payment-service' && pass "the watch shows the storefront's gateway, order-service and payment-service" \
    || fail "the watch lacks the storefront's services"
press f 5 "a control key on the watch says why controls are off" 'watching over OTLP'
pass "a control key says why it is off"
tm send-keys -t "$DEMO_SESSION" q
quit_and_check alternate-screen

echo "otlp: $CHECKS checks passed ($(elapsed))"
