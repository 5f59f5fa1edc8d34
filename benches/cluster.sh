#!/usr/bin/env bash
# One node against two behind Kamailio, on this machine, in one run.
#
# At each offered rate, SIPp places calls for SECS (default 12) seconds,
# each held 1 s, no media, from an allowlisted caller bridged to a fixed
# phone played by SIPp (speech off, overload control at its defaults):
#   - "one": straight to one linewarden node;
#   - "two": to Kamailio with deploy/kamailio/kamailio.cfg, dispatching
#     round robin to two linewarden nodes (each its own data directory
#     and RTP ports).
# Printed per rate and setup: successful and failed calls, SIPp's
# retransmissions, successful calls per second, the CPU of the nodes (and
# of Kamailio) from the first INVITE to the end, and two's successful
# calls per second as a ratio to one's. Both setups share the machine's
# cores with SIPp: on a 2-core box two nodes add failover and draining,
# not capacity.
#
#   benches/cluster.sh                 # rates 300 600 900
#   benches/cluster.sh 500 1000
#   LINEWARDEN=path/to/linewarden benches/cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LINEWARDEN:-}" ]; then
    cargo build --release --locked --quiet --bin linewarden
fi
command -v kamailio >/dev/null || {
    echo "kamailio is not installed (apt-get install -y kamailio)" >&2; exit 1; }
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(300 600 900)
secs=${SECS:-12}
work="$(mktemp -d)"
server=""; phone=""; nodes=(); kam=""
cleanup() {
    for p in "${nodes[@]}" $kam $phone; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
. benches/sip-common.sh

# Starts a node on SIP port $1 with RTP ports $2-$3, bridging to the phone
# on $4; appends its pid to nodes.
start_node() {
    start_linewarden "$1" "$4" "" "$2" "$3"
    nodes+=("$server")
    server=""
}

start_kamailio_front() {
    local port=$1; shift
    : > "$work/dispatcher.list"
    for n in "$@"; do echo "1 sip:127.0.0.1:$n" >> "$work/dispatcher.list"; done
    kamailio -f deploy/kamailio/kamailio.cfg -DD -E -m 256 -M 8 \
        -A "LISTEN=udp:127.0.0.1:$port" -A "DISPATCHER_LIST=\"$work/dispatcher.list\"" \
        -P "$work/kam.pid" -Y "$work" >/dev/null 2>"$work/kamailio.log" &
    kam=$!
    sleep 3  # the first OPTIONS probes mark the nodes up
}

stop_all() {
    for p in "${nodes[@]}" $kam; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    nodes=(); kam=""
    stop_phone
}

cpu_of() { local t=0 p; for p in "$@"; do t=$((t + $(ticks "$p"))); done; echo "$t"; }

# One setup at one rate: prints its row and sets $cps.
measure() {
    local setup=$1 rate=$2 base before after target ok failed retrans
    base=$((31000 + RANDOM % 7000))
    start_phone $((base + 1))
    if [ "$setup" = one ]; then
        start_node $((base + 2)) 20000 24999 $((base + 1))
        target="127.0.0.1:$((base + 2))"
    else
        start_node $((base + 2)) 20000 24999 $((base + 1))
        start_node $((base + 3)) 25000 29999 $((base + 1))
        start_kamailio_front "$base" $((base + 2)) $((base + 3))
        target="127.0.0.1:$base"
    fi
    local pids=("${nodes[@]}")
    [ -n "$kam" ] && pids+=($(tree "$kam"))
    before=$(cpu_of "${pids[@]}")
    run_callers "$target" "$rate" "$secs" "$setup-$rate"
    after=$(cpu_of "${pids[@]}")
    stop_all
    ok=$(stat "$work/$setup-$rate.csv" "SuccessfulCall(C)")
    failed=$(stat "$work/$setup-$rate.csv" "FailedCall(C)")
    retrans=$(stat "$work/$setup-$rate.csv" "Retransmissions(C)")
    cps=$(echo "scale=1; $ok / $secs" | bc)
    printf '%5s %-5s %7s %7s %8s %7s %7s\n' "$rate" "$setup" "$ok" "$failed" "$retrans" "$cps" \
        "$(echo "scale=2; ($after - $before) / $hz" | bc)"
}

echo "machine: $(nproc) CPU(s); $secs s of calls per rate, each held 1 s"
printf '%5s %-5s %7s %7s %8s %7s %7s\n' rate setup ok failed retrans ok_cps cpu_s
for rate in "${rates[@]}"; do
    measure one "$rate"; one=$cps
    measure two "$rate"; two=$cps
    if [ "$(echo "$one > 0" | bc)" = 1 ]; then
        printf '%5s two/one successful calls/s: %s\n' "$rate" "$(echo "scale=2; $two / $one" | bc)"
    fi
done
