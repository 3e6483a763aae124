# Shared by serve.sh and prometheus.sh: start `meshtop serve` on an ephemeral loopback port and
# wait for it, without fixed sleeps. Source it; needs $bin.

# start_serve OUTFILE ARGS...: starts serve in the background with ARGS (plus --listen
# 127.0.0.1:0), waits up to 30 s for its "serving SYSTEM on http://ADDRESS" line and sets
# $serve_pid and $base (http://127.0.0.1:PORT). Returns 1 if the line never came.
start_serve() {
    local out=$1; shift
    : > "$out"
    "$bin" serve --listen 127.0.0.1:0 "$@" > "$out" 2> "$out.err" &
    serve_pid=$!
    base=""
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        base=$(sed -n 's|^serving [a-z-]* on \(http://127\.0\.0\.1:[0-9]*\)$|\1|p' "$out" | head -1)
        [ -n "$base" ] && return 0
        kill -0 "$serve_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# wait_ready: polls /readyz until 200 (up to 30 s).
wait_ready() {
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

# stop_serve: SIGTERM, then waits; sets $stop_status to serve's exit status (or 124 if it hung
# for 15 s, then kills it).
stop_serve() {
    kill -TERM "$serve_pid" 2>/dev/null
    local deadline=$((SECONDS + 15))
    while kill -0 "$serve_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    if kill -0 "$serve_pid" 2>/dev/null; then
        kill -KILL "$serve_pid"; wait "$serve_pid" 2>/dev/null; stop_status=124
    else
        wait "$serve_pid"; stop_status=$?
    fi
}

# release_or BINARY: prints BINARY if given, else builds the release meshtop and prints its path
# (the benchmark scripts measure a release build unless told otherwise).
release_or() {
    if [ -n "${1:-}" ]; then echo "$1"; return; fi
    swift build -c release --product meshtop >/dev/null
    echo "$(swift build -c release --show-bin-path)/meshtop"
}
