#!/usr/bin/env bash
# linewarden past its capacity: overload control at work.
#
# Starts linewarden (release build, speech off, the caller allowlisted and
# bridged to a fixed phone played by SIPp, the default overload settings,
# the console on a loopback port for /metrics) and has SIPp place calls
# (held 1 s) at twice CAPACITY calls/s for 30 s (SECS). Every second it prints the
# service's memory (RSS), calls in progress and calls shed so far; at the
# end the 503s SIPp got, the successful calls per second against
# CAPACITY, SIPp's retransmissions, the CPU used, and how long after the
# last INVITE the last call ended (the drain).
#
#   benches/overload.sh              # CAPACITY 300 calls/s
#   benches/overload.sh 500
#   LINEWARDEN=path/to/linewarden benches/overload.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LINEWARDEN:-}" ]; then
    cargo build --release --locked --quiet --bin linewarden
fi
capacity="${1:-300}"
rate=$((capacity * 2))
secs=${SECS:-30}
work="$(mktemp -d)"
server=""; phone=""; callers=""
cleanup() {
    [ -n "$callers" ] && kill "$callers" 2>/dev/null
    [ -n "$server" ] && kill "$server" 2>/dev/null
    [ -n "$phone" ] && kill "$phone" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
. benches/sip-common.sh

port=$((31000 + RANDOM % 8000)); phone_port=$((port + 1)); console=$((port + 2))
start_phone "$phone_port"
start_linewarden "$port" "$phone_port" "
[console]
listen = \"127.0.0.1:$console\""
metric() {
    curl -s "http://127.0.0.1:$console/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
rss_mb() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$1/status"; }

echo "machine: $(nproc) CPU(s); capacity $capacity calls/s, offered $rate calls/s for $secs s"
before=$(ticks "$server")
start=$(date +%s.%N)
run_callers "127.0.0.1:$port" "$rate" "$secs" overload &
callers=$!
printf '%6s %7s %9s %7s\n' t_s rss_MB in_calls shed
last_invite=$(echo "$start + $secs" | bc)
drained=""
while kill -0 "$callers" 2>/dev/null; do
    now=$(date +%s.%N)
    in_calls=$(metric linewarden_calls_in_progress)
    printf '%6.1f %7s %9s %7s\n' "$(echo "$now - $start" | bc)" "$(rss_mb "$server")" \
        "$in_calls" "$(metric linewarden_calls_shed_total)"
    if [ -z "$drained" ] && [ "$(echo "$now > $last_invite" | bc)" = 1 ] && [ "${in_calls:-1}" = 0 ]; then
        drained=$(echo "$now - $last_invite" | bc)
    fi
    sleep 1
done
callers=""
after=$(ticks "$server")
end=$(date +%s.%N)
[ -n "$drained" ] || drained="$(echo "$end - $last_invite" | bc) (SIPp's end)"
ok=$(stat "$work/overload.csv" "SuccessfulCall(C)")
failed=$(stat "$work/overload.csv" "FailedCall(C)")
echo "503s: $(sheds "$work/overload.screen") (the service counted $(metric linewarden_calls_shed_total) shed)"
echo "ok: $ok, failed: $failed, retransmissions: $(stat "$work/overload.csv" "Retransmissions(C)")"
echo "successful calls/s: $(echo "scale=1; $ok / $secs" | bc) (capacity $capacity)"
echo "drain after the last INVITE: ${drained} s"
echo "CPU: $(echo "scale=2; ($after - $before) / $hz" | bc) s; RSS at the end: $(rss_mb "$server") MB"
stop_server; stop_phone
