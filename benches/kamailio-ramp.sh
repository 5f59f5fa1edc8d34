#!/usr/bin/env bash
# Call handling against Kamailio, on this machine, at rising rates.
#
# For each rate, SIPp places calls for 12 s (each held 1 s, no media)
# through the system under test to a fixed phone played by SIPp's UAS:
#   - Kamailio (Debian package): a record-routing stateful proxy with
#     dialog tracking, 4 children, -m 512, UDP receive buffer up to 4 MiB;
#   - linewarden (release build), speech off, the caller allowlisted and
#     bridged to the phone (two SIP legs and an RTP relay per call), its
#     overload control set high (max_calls, max_lag_ms) so the ramp finds
#     what it can carry; LW_SERVICE replaces those [service] keys.
# Each system starts fresh for each run. Printed per rate and system: calls
# that succeeded and failed (503s among the failed), SIPp's retransmissions, the CPU the system
# used from the first INVITE until the last call ended (from
# /proc/PID/stat, Kamailio's workers included), its memory at the end
# (PSS, shared pages counted once), and linewarden's CPU over Kamailio's.
# A run is clean with no failed call and retransmissions under 1% of the
# calls placed. Near the edge a run is clean or collapses (one that falls
# behind in its first seconds feeds its own retransmissions), so RUNS=N
# runs each rate N times, the two systems alternating, and ends with how
# many runs of each rate were clean and each system's clean rate: the
# highest rate clean in every run, every rate below it clean too.
#
#   benches/kamailio-ramp.sh                 # rates 100 200 300 400 500 600
#   benches/kamailio-ramp.sh 200 500 800     # these rates
#   LINEWARDEN=path/to/linewarden benches/kamailio-ramp.sh
#   RUNS=3 benches/kamailio-ramp.sh 1800 2000 # each rate three times
#   TMPDIR=/dev/shm benches/kamailio-ramp.sh  # data (recordings, call log) on tmpfs:
#                                             # the call handling without the disk
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LINEWARDEN:-}" ]; then
    cargo build --release --locked --quiet --bin linewarden
fi
command -v kamailio >/dev/null || {
    echo "kamailio is not installed (apt-get install -y kamailio)" >&2; exit 1; }
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(100 200 300 400 500 600)
secs=${SECS:-12}
runs=${RUNS:-1}
declare -A clean=()
work="$(mktemp -d)"
server=""; phone=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null
    [ -n "$phone" ] && kill "$phone" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. benches/sip-common.sh

# One system at one rate: prints its row and sets $cpu.
measure() {
    local system=$1 rate=$2 port phone_port before after ok failed shed retrans mem
    port=$((31000 + RANDOM % 8000)); phone_port=$((port + 1))
    start_phone "$phone_port"
    "start_$system" "$port" "$phone_port" "${LW_SERVICE:-max_calls = 5000
max_lag_ms = 10000}"
    before=$(ticks "$server")
    run_callers "127.0.0.1:$port" "$rate" "$secs" "$system-$rate"
    after=$(ticks "$server")
    mem=$(mem_mb "$server")
    stop_server; stop_phone
    ok=$(stat "$work/$system-$rate.csv" "SuccessfulCall(C)")
    failed=$(stat "$work/$system-$rate.csv" "FailedCall(C)")
    shed=$(sheds "$work/$system-$rate.screen")
    retrans=$(stat "$work/$system-$rate.csv" "Retransmissions(C)")
    cpu=$(echo "scale=2; ($after - $before) / $hz" | bc)
    if [ "$failed" -eq 0 ] && [ $((retrans * 100)) -lt $((rate * secs)) ]; then
        clean[$system-$rate]=$(( ${clean[$system-$rate]:-0} + 1 ))
    fi
    printf '%5s %-10s %7s %7s %5s %8s %7s %7s\n' "$rate" "$system" "$ok" "$failed" "$shed" "$retrans" "$cpu" "$mem"
}

echo "machine: $(nproc) CPU(s); $secs s of calls per rate, each held 1 s"
printf '%5s %-10s %7s %7s %5s %8s %7s %7s\n' cps system ok failed 503s retrans cpu_s mem_MB
for rate in "${rates[@]}"; do
    for _ in $(seq "$runs"); do
        measure kamailio "$rate"; kam=$cpu
        measure linewarden "$rate"; lw=$cpu
        if [ "$(echo "$kam > 0" | bc)" = 1 ]; then
            printf '%5s linewarden/kamailio CPU: %s\n' "$rate" "$(echo "scale=1; $lw / $kam" | bc)"
        fi
    done
done
echo "clean runs of $runs (no failed call, retransmissions under 1% of calls):"
for system in kamailio linewarden; do
    line=""; best="none"; broken=""
    for rate in "${rates[@]}"; do
        n=${clean[$system-$rate]:-0}
        line="$line $rate:$n"
        if [ "$n" -eq "$runs" ] && [ -z "$broken" ]; then best=$rate; else broken=1; fi
    done
    printf '  %-10s%s   clean rate: %s\n' "$system" "$line" "$best"
done
