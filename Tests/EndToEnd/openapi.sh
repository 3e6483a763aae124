#!/usr/bin/env bash
# schemathesis against openapi.yaml and a live `meshtop serve` (loopback, with a token): it
# generates requests from the document (valid and invalid ones) and fails on any 5xx, any response
# that breaks the documented schema, status or content type, and any invalid input accepted.
# The feed (/api/v1/feed) is left out: its response never ends, so no client can check its body;
# its route has its own tests (EdgeRoutesTests, serve.sh).
# Usage: Tests/EndToEnd/openapi.sh BINARY SCHEMATHESIS
set -uo pipefail
bin=${1:?usage: openapi.sh BINARY SCHEMATHESIS}
schemathesis=${2:?usage: openapi.sh BINARY SCHEMATHESIS}
# An absolute path: schemathesis runs from a temporary folder.
case "$schemathesis" in /*) ;; *) schemathesis="$PWD/$schemathesis" ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/serve-lib.sh"
work=$(mktemp -d)
serve_pid=""
trap '[ -n "$serve_pid" ] && kill -KILL "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT

printf 'api-%s\n' "$RANDOM$RANDOM" > "$work/token"
start_serve "$work/serve.out" --rps 50 --seed 5 --token-file "$work/token" || { echo "FAIL: serve did not start: $(cat "$work/serve.out.err")"; exit 1; }
wait_ready || { echo "FAIL: serve never ready"; exit 1; }

# Bounded: 40 examples per operation and 60 s at most (coverage and fuzzing take ≈ 50 s, the
# stateful phase the rest); the seed makes a failure repeatable.
# Run from the temporary folder: schemathesis keeps a cache (.schemathesis/) where it runs.
(cd "$work" && "$schemathesis" run "$root/openapi.yaml" --url "$base" \
    -H "Authorization: Bearer $(tr -d '\n' < "$work/token")" \
    --exclude-path /api/v1/feed --checks all --max-examples 40 --max-time 60 --seed 1 \
    --request-timeout 10 --no-color) 2>&1 | tee "$work/schemathesis.log"
status=${PIPESTATUS[0]}
stop_serve
[ "$stop_status" = 0 ] || { echo "FAIL: serve exited $stop_status after schemathesis"; status=1; }
if [ "$status" = 0 ]; then
    echo "PASS: schemathesis found no 5xx and no response outside openapi.yaml"
else
    echo "FAIL: schemathesis (exit $status)"
fi
exit "$status"
