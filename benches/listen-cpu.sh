#!/usr/bin/env bash
# CPU per concurrent call with speech recognition on, against the same
# service with recognition off, on this machine.
#
# Starts `linewarden serve` (release build) with [speech] engine = "off",
# then "pocketsphinx", and for N = 1, 2 and 4 concurrent callers plays the
# scam fixture (12 s of caller audio) as N simultaneous live calls with
# `replay --to` (the callers run in other processes and are not counted).
# The service process's CPU time over the calls, from /proc, divided by the
# call-seconds, is the CPU cost of one call; "on/off" is the ratio.
#
#   benches/listen-cpu.sh            # uses target/release/linewarden
#   LINEWARDEN=path/to/linewarden benches/listen-cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${LINEWARDEN:-target/release/linewarden}"
if [ -z "${LINEWARDEN:-}" ]; then
    cargo build --release --locked --quiet
fi
fixture=tests/fixtures/scam-police-bank
audio_s=12
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

ticks() { # user+system CPU of a process, in clock ticks
    awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)
. benches/listening-config.sh

declare -A per_call
echo "machine: $(nproc) CPU(s); fixture: $fixture (${audio_s} s per call)"
printf '%-13s %3s %10s %12s %16s\n' speech calls cpu_s call_s cpu_per_call_s
for engine in off pocketsphinx; do
    for n in 1 2 4; do
        port=$((21000 + RANDOM % 20000))
        data="$work/data-$engine-$n"
        listening_config "$work/bench.toml" "$port" $((port + 2)) $((port + 200)) "$data" "$engine"
        "$bin" serve --config "$work/bench.toml" 2>"$work/serve.log" &
        server=$!
        for _ in $(seq 1 100); do
            grep -q "linewarden is running" "$work/serve.log" && break
            sleep 0.1
        done
        before=$(ticks "$server")
        pids=()
        for _ in $(seq 1 "$n"); do
            "$bin" replay --to "sip:5550000@127.0.0.1:$port" "$fixture" >/dev/null 2>&1 &
            pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p"; done
        sleep 1
        after=$(ticks "$server")
        kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=""
        cpu=$(echo "scale=3; ($after - $before) / $hz" | bc)
        call_s=$((n * audio_s))
        per=$(echo "scale=4; $cpu / $call_s" | bc)
        per_call["$engine-$n"]=$per
        printf '%-13s %3s %10s %12s %16s\n' "$engine" "$n" "$cpu" "$call_s" "$per"
    done
done
for n in 1 2 4; do
    on=${per_call["pocketsphinx-$n"]}; off=${per_call["off-$n"]}
    if [ "$(echo "$off > 0" | bc)" = 1 ]; then
        printf 'calls=%s: recognition on/off CPU ratio %s\n' "$n" "$(echo "scale=1; $on / $off" | bc)"
    fi
done
