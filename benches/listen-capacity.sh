#!/usr/bin/env bash
# How many calls the service listens to at once, and at what cost.
#
# For N concurrent callers (default 25 50 100 150), starts `linewarden
# serve` (release build) with speech recognition on and has one SIPp place
# N calls at once, each playing SIPp's sample speech (about 7 s) and held
# 7 s (benches/listen-capacity.xml). Prints per N: calls fully listened
# to, partly, not at all (the call log's `listened`); the service's CPU
# seconds per call-second (from /proc, from the first call until every
# call is logged as ended and the recognizer is idle); and its peak RSS
# above the idle service, per listened call.
#
# With OLD=path/to/an/older/linewarden the same runs are made with it
# too, and the ratios new/old printed. An older build has no `listened`:
# its calls are counted from its log (a "not listened to" line per call
# refused, "dropping call audio" once per call that lost audio).
#
#   benches/listen-capacity.sh                     # target/release/linewarden
#   OLD=/tmp/linewarden-main benches/listen-capacity.sh 25 50
#   LINEWARDEN=path/to/linewarden benches/listen-capacity.sh 150
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${LINEWARDEN:-target/release/linewarden}"
if [ -z "${LINEWARDEN:-}" ]; then
    cargo build --release --locked --quiet
fi
bin="$(realpath "$bin")"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(25 50 100 150)
scenario="$(realpath benches/listen-capacity.xml)"
hold_s=7
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
. benches/listening-config.sh

# One run: prints "full partial none cpu_s peak_extra_kb".
run() {
    local binary=$1 n=$2 port data
    port=$((21000 + RANDOM % 20000))
    data="$work/data-$n-$RANDOM"
    listening_config "$work/bench.toml" "$port" $((port + 2)) $((port + 2 + 8 * n + 64)) "$data"
    "$binary" serve --config "$work/bench.toml" 2>"$work/serve.log" &
    server=$!
    for _ in $(seq 1 200); do
        grep -q "linewarden is running" "$work/serve.log" && break
        sleep 0.1
    done
    sleep 1
    local idle before peak=0 now
    idle=$(rss_kb "$server")
    before=$(ticks "$server")
    (cd "$work" && sipp -sf "$scenario" -s 5550000 -i 127.0.0.1 -p $((port + 8 * n + 100)) \
        -mp $((port + 8 * n + 200)) -m "$n" -l "$n" -r "$n" -rp 1000 \
        -timeout 120s -nostdin -trace_err "127.0.0.1:$port" >/dev/null 2>&1) &
    local sipp_pid=$!
    while kill -0 "$sipp_pid" 2>/dev/null; do
        now=$(rss_kb "$server"); [ "$now" -gt "$peak" ] && peak=$now
        sleep 0.2
    done
    wait "$sipp_pid" || true
    # The recognizer may still be working through the last utterances:
    # wait until the service's CPU stops moving.
    local last=-1 cur
    for _ in $(seq 1 120); do
        cur=$(ticks "$server")
        now=$(rss_kb "$server"); [ "$now" -gt "$peak" ] && peak=$now
        [ "$cur" = "$last" ] && break
        last=$cur
        sleep 0.5
    done
    local after; after=$(ticks "$server")
    kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
    local full partial none
    if grep -q '"listened"' <("$binary" calls --json --limit 100000 --config "$work/bench.toml" 2>/dev/null | head -1); then
        local json; json=$("$binary" calls --json --limit 100000 --config "$work/bench.toml")
        full=$(grep -c '"listened":"full"' <<<"$json" || true)
        partial=$(grep -c '"listened":"partial"' <<<"$json" || true)
        none=$(grep -c '"listened":"none"' <<<"$json" || true)
    else
        none=$(grep -c "not listened to" "$work/serve.log" || true)
        partial=$(grep -c "dropping call audio" "$work/serve.log" || true)
        full=$((n - none - partial))
    fi
    echo "$full $partial $none $(echo "scale=2; ($after - $before) / $hz" | bc) $((peak - idle))"
}

row() { # label n full partial none cpu extra_kb -> prints, sets per_cs and per_mb
    local label=$1 n=$2 full=$3 partial=$4 none=$5 cpu=$6 extra=$7 heard
    heard=$((full + partial))
    per_cs=$(echo "scale=4; $cpu / ($n * $hold_s)" | bc)
    if [ "$heard" -gt 0 ]; then
        per_mb=$(echo "scale=2; $extra / 1024 / $heard" | bc)
    else
        per_mb="-"
    fi
    printf '%-5s %4s %5s %7s %5s %8s %13s %14s\n' "$label" "$n" "$full" "$partial" "$none" \
        "$cpu" "$per_cs" "$per_mb"
}

echo "machine: $(nproc) CPU(s); each call: SIPp's sample speech (~7 s), held ${hold_s} s"
printf '%-5s %4s %5s %7s %5s %8s %13s %14s\n' build calls full partial none cpu_s \
    cpu_per_call_s rss_mb_per_call
for n in "${sizes[@]}"; do
    read -r f p z c e < <(run "$bin" "$n")
    row new "$n" "$f" "$p" "$z" "$c" "$e"
    new_cs=$per_cs new_mb=$per_mb
    if [ -n "${OLD:-}" ]; then
        read -r f p z c e < <(run "$(realpath "$OLD")" "$n")
        row old "$n" "$f" "$p" "$z" "$c" "$e"
        ratio_cpu=$(echo "scale=2; $new_cs / $per_cs" | bc)
        ratio_mb="-"
        [ "$new_mb" != "-" ] && [ "$per_mb" != "-" ] && ratio_mb=$(echo "scale=3; $new_mb / $per_mb" | bc)
        printf 'calls=%s: new/old CPU per call-second %s, RSS per listened call %s\n' \
            "$n" "$ratio_cpu" "$ratio_mb"
    fi
done
