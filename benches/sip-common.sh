# Shared by benches/kamailio-ramp.sh and benches/overload.sh (sourced):
# starting the systems under test, SIPp callers and phones, and reading a
# process tree's CPU time and memory from /proc.

bin="${LINEWARDEN:-${CARGO_TARGET_DIR:-target}/release/linewarden}"
caller_xml="$(pwd)/benches/sipp/caller.xml"
phone_xml="$(pwd)/benches/sipp/phone.xml"
hz=$(getconf CLK_TCK)
caller_number="+441632960555"

# The process and its children (Kamailio forks its workers).
tree() { echo "$1"; pgrep -P "$1" || true; }

# User+system CPU of a process tree, in clock ticks.
ticks() {
    local total=0 p t
    for p in $(tree "$1"); do
        t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
        total=$((total + t))
    done
    echo "$total"
}

# Memory of a process tree in MB: the sum of each process's proportional
# set size (PSS), so pages shared between Kamailio's processes count once;
# for one process it is its RSS less what it shares with others.
mem_mb() {
    local total=0 p k
    for p in $(tree "$1"); do
        k=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + ${k:-0}))
    done
    echo $((total / 1024))
}

# A fixed phone: SIPp on $1 answering every call (benches/sipp/phone.xml),
# in the background; sets $phone.
start_phone() {
    (cd "$work" && exec sipp -sf "$phone_xml" -i 127.0.0.1 -p "$1" -nostdin -bg \
        -trace_err -error_file "phone-$1.err" >/dev/null 2>&1) || true
    phone=$(pgrep -n -f "sipp -sf $phone_xml -i 127.0.0.1 -p $1 ") || {
        echo "cannot start the SIPp phone on $1" >&2; exit 1; }
}

# Runs the caller against $1 (host:port) at $2 calls/s for $3 seconds and
# waits for it (60 s cap after the last INVITE). Leaves its statistics in
# $work/$4.csv and its final screen in $work/$4.screen.
run_callers() {
    local target=$1 rate=$2 secs=$3 name=$4 port
    port=$((40000 + RANDOM % 15000))
    (cd "$work" && sipp "$target" -sf "$caller_xml" -i 127.0.0.1 -p "$port" \
        -r "$rate" -m $((rate * secs)) -l $((rate * 30)) -nostdin \
        -timeout $((secs + 60))s -recv_timeout 32s \
        -trace_stat -stf "$name.csv" -fd 1 \
        -trace_screen -screen_file "$name.screen" >/dev/null 2>&1) || true
}

# One column of the last line of a SIPp statistics file, by header name.
stat() {
    awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
        END { print $c + 0 }' "$1"
}

# How many 503s the caller got (from its final screen).
sheds() {
    awk '$1 == "503" && $2 ~ /^<-/ { print $3; found = 1; exit } END { if (!found) print 0 }' "$1"
}

# Starts linewarden on SIP port $1, speech off, the
# caller's number allowlisted and bridged to the phone at $2; $3: more
# [service] keys; $4-$5: its RTP ports (default 10000-29999: 10000 even
# ports, 5000 bridged calls at once, so that at 2000 calls/s of 1 s a call
# set-up running a second late does not run the range dry). Sets $server.
start_linewarden() {
    local port=$1 phone_port=$2 extra=${3:-} first=${4:-10000} last=${5:-29999}
    cat > "$work/linewarden-$port.toml" <<TOML
[service]
listen = "127.0.0.1:$port"
data_dir = "$work/data-$port"
rtp_ports = { first = $first, last = $last }
$extra
[speech]
engine = "off"
[[line]]
name = "bench"
numbers = ["*"]
phones = ["sip:resident@127.0.0.1:$phone_port"]
[line.policy]
allowlist = ["$caller_number"]
TOML
    serve_config "$work/linewarden-$port.toml" "$work/linewarden-$port.log"
}

# Runs `linewarden serve` on the config $1, its log in $2, and waits until
# it is running (20 s at most). Sets $server.
serve_config() {
    # RUST_LOG as given (unset: the service's own default filter).
    "$bin" serve --config "$1" >/dev/null 2>"$2" &
    server=$!
    for _ in $(seq 1 200); do
        grep -qs "linewarden is running" "$2" && return
        sleep 0.1
    done
    echo "linewarden did not start:" >&2; cat "$2" >&2; exit 1
}

# Starts Kamailio on SIP port $1, relaying every new INVITE to the phone at
# $2: a record-routing stateful proxy tracking dialogs, 4 children,
# 512 MB of shared memory, its UDP receive buffer probed up to 4 MiB (as
# linewarden asks for by default). Sets $server.
start_kamailio() {
    local port=$1 phone_port=$2 mods
    mods=$(dirname "$(find /usr/lib -name tm.so -path '*kamailio/modules*' | head -1)")
    cat > "$work/kamailio-$port.cfg" <<CFG
#!KAMAILIO
debug=1
log_stderror=yes
children=4
maxbuffer=4194304
disable_tcp=yes
listen=udp:127.0.0.1:$port
mpath="$mods/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
loadmodule "dialog.so"
request_route {
    if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
    if (has_totag()) {
        if (loose_route()) { t_relay(); exit; }
        if (is_method("ACK")) { if (t_check_trans()) { t_relay(); } exit; }
        sl_send_reply("404", "Not here");
        exit;
    }
    if (is_method("CANCEL")) { if (t_check_trans()) { t_relay(); } exit; }
    t_check_trans();
    if (is_method("INVITE")) { dlg_manage(); record_route(); }
    \$du = "sip:127.0.0.1:$phone_port";
    if (!t_relay()) { sl_reply_error(); }
    exit;
}
CFG
    kamailio -f "$work/kamailio-$port.cfg" -DD -E -m 512 -P "$work/kamailio-$port.pid" \
        -Y "$work" >/dev/null 2>"$work/kamailio-$port.log" &
    server=$!
    sleep 1
    kill -0 "$server" 2>/dev/null || { echo "kamailio did not start:" >&2; cat "$work/kamailio-$port.log" >&2; exit 1; }
}

stop_server() {
    [ -n "${server:-}" ] || return 0
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
}

stop_phone() {
    [ -n "${phone:-}" ] || return 0
    kill "$phone" 2>/dev/null || true
    phone=""
}
