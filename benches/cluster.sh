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
# With LISTEN=N it also places N calls at once with about 7 s of speech
# each (benches/listen-capacity.xml), speech recognition on, and prints for
# each setup how many were fully, partly and not listened to (the call
# logs' `listened`) and two's fully listened calls over one's.
#
#   benches/cluster.sh                 # rates 300 600 900
#   benches/cluster.sh 500 1000
#   LISTEN=150 benches/cluster.sh 300
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
. benches/listening-config.sh

# Starts a node on SIP port $1 with RTP ports $2-$3, bridging to the phone
# on $4; appends its pid to nodes.
start_node() {
    start_linewarden "$1" "$4" "" "$2" "$3"
    nodes+=("$server")
    server=""
}

# A node with speech recognition on (the challenge passed with 5, nothing
# recorded), for the listening runs; appends its pid to nodes.
start_listening_node() {
    local port=$1
    listening_config "$work/listen-$port.toml" "$port" "$2" "$3" "$work/data-$port"
    serve_config "$work/listen-$port.toml" "$work/listen-$port.log"
    nodes+=("$server")
    server=""
}

# N calls with speech at once to one node or two behind Kamailio; prints
# the row and sets $full.
listen_run() {
    local setup=$1 n=$2 base target p
    base=$((31000 + RANDOM % 7000))
    start_listening_node $((base + 2)) 20000 24999
    target="127.0.0.1:$((base + 2))"
    if [ "$setup" = two ]; then
        start_listening_node $((base + 3)) 25000 29999
        start_kamailio_front "$base" $((base + 2)) $((base + 3))
        target="127.0.0.1:$base"
    fi
    sleep 1
    (cd "$work" && sipp -sf "$listen_xml" -s 5550000 -i 127.0.0.1 -p $((base + 4)) \
        -mp 61000 -m "$n" -l "$n" -r "$n" -rp 1000 -timeout 120s -nostdin \
        "$target" >/dev/null 2>&1) || true
    sleep 5  # the last utterances decoded and logged
    full=0; local partial=0 none=0 json
    for p in $((base + 2)) $((base + 3)); do
        [ -f "$work/listen-$p.toml" ] || continue
        json=$("$bin" calls --json --limit 100000 --config "$work/listen-$p.toml" 2>/dev/null || true)
        full=$((full + $(grep -c '"listened":"full"' <<<"$json" || true)))
        partial=$((partial + $(grep -c '"listened":"partial"' <<<"$json" || true)))
        none=$((none + $(grep -c '"listened":"none"' <<<"$json" || true)))
        rm -f "$work/listen-$p.toml"
    done
    stop_all
    printf '%5s %-5s %7s %7s %7s\n' "$n" "$setup" "$full" "$partial" "$none"
}

start_kamailio_front() {
    local port=$1 n; shift
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

listen_xml="$(pwd)/benches/listen-capacity.xml"
echo "machine: $(nproc) CPU(s); $secs s of calls per rate, each held 1 s"
printf '%5s %-5s %7s %7s %8s %7s %7s\n' rate setup ok failed retrans ok_cps cpu_s
for rate in "${rates[@]}"; do
    measure one "$rate"; one=$cps
    measure two "$rate"; two=$cps
    if [ "$(echo "$one > 0" | bc)" = 1 ]; then
        printf '%5s two/one successful calls/s: %s\n' "$rate" "$(echo "scale=2; $two / $one" | bc)"
    fi
done

if [ -n "${LISTEN:-}" ]; then
    echo "$LISTEN calls at once, ~7 s of speech each, recognition on"
    printf '%5s %-5s %7s %7s %7s\n' calls setup full partial none
    listen_run one "$LISTEN"; one=$full
    listen_run two "$LISTEN"; two=$full
    if [ "$one" -gt 0 ]; then
        printf 'two/one fully listened calls: %s\n' "$(echo "scale=2; $two / $one" | bc)"
    fi
fi
