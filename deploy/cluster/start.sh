#!/bin/sh
# Starts a throwaway cluster on loopback: a PostgreSQL server in a
# temporary directory, two linewarden nodes sharing its database, and
# Kamailio in front of them (deploy/kamailio/kamailio.cfg). Prints how to
# reach them; Ctrl-C (or any exit) stops everything and removes the
# directory (SIGTERM drains the nodes first: up to drain_secs while calls
# go on). See docs/cluster.md.
#
# Usage: deploy/cluster/start.sh [LINEWARDEN_BINARY]
#   (default: target/debug/linewarden, then linewarden on the PATH)
# Environment: SIP_PORT (Kamailio, default 5060), NODE_PORTS (default
# "5071 5072"), CONSOLE_PORTS (default "8081 8082").
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
    if [ -x "$root/target/debug/linewarden" ]; then bin="$root/target/debug/linewarden"
    else bin=$(command -v linewarden) || { echo "no linewarden binary: cargo build first" >&2; exit 1; }
    fi
fi
sip_port=${SIP_PORT:-5060}
node_ports=${NODE_PORTS:-"5071 5072"}
console_ports=${CONSOLE_PORTS:-"8081 8082"}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pg_bin" ] || pg_bin=$(dirname "$(command -v pg_ctl)")
[ -x "$pg_bin/pg_ctl" ] || { echo "no pg_ctl found: install postgresql" >&2; exit 1; }
command -v kamailio >/dev/null || { echo "no kamailio: install kamailio" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/linewarden-cluster.XXXXXX")
chmod 755 "$dir"
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
nodes=""
kamailio_pid=""
stop() {
    # A second Ctrl-C reaches the nodes (they stop at once) but not this.
    trap '' INT TERM
    trap - EXIT
    # The nodes first, Kamailio once they have exited: a call in progress
    # on a draining node still ends through Kamailio (its BYE follows the
    # Record-Route), and then the node exits.
    for pid in $nodes; do kill "$pid" 2>/dev/null || true; done
    for pid in $nodes; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$kamailio_pid" ]; then
        kill "$kamailio_pid" 2>/dev/null || true
        wait "$kamailio_pid" 2>/dev/null || true
    fi
    as_pg "$pg_bin/pg_ctl" -D "$dir/pg" stop -m fast >/dev/null 2>&1 || true
    rm -rf "$dir"
    echo "stopped; $dir removed"
}
trap stop EXIT
trap 'exit 130' INT TERM

# PostgreSQL: no TCP, a Unix socket in the temporary directory.
mkdir "$dir/pg"
[ "$(id -u)" = 0 ] && chown postgres: "$dir" "$dir/pg"
as_pg "$pg_bin/initdb" -D "$dir/pg" -U postgres --auth=trust --no-locale -E UTF8 >"$dir/initdb.log"
as_pg "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/postgres.log" \
    -o "-c listen_addresses= -k $dir" -w start >/dev/null
# The cluster's own `postgres` database: the cluster is for this run only.
url="host=$dir user=postgres dbname=postgres"

# The linewarden nodes: one database and one directory of recordings
# (files_dir), each its own data directory, SIP and RTP ports, console;
# SIGTERM drains.
set -- $console_ports
n=0
list="$dir/dispatcher.list"
: >"$list"
for port in $node_ports; do
    n=$((n + 1))
    console=$1; shift || true
    rtp=$((30000 + n * 1000))
    mkdir -p "$dir/node$n"
    cat >"$dir/node$n/linewarden.toml" <<TOML
[service]
listen = "127.0.0.1:$port"
data_dir = "$dir/node$n/data"
rtp_ports = { first = $rtp, last = $((rtp + 199)) }
drain_secs = 30

[store]
url = "$url"
files_dir = "$dir/files"

[console]
listen = "127.0.0.1:$console"

[[line]]
name = "home"
numbers = ["*"]

[line.screening]
record = true
TOML
    "$bin" serve --config "$dir/node$n/linewarden.toml" 2>"$dir/node$n/service.log" &
    nodes="$nodes $!"
    echo "1 sip:127.0.0.1:$port" >>"$list"
    echo "node $n: SIP 127.0.0.1:$port, console http://127.0.0.1:$console, log $dir/node$n/service.log"
done

# In a session of its own, so a Ctrl-C at the terminal reaches the nodes
# (which hang up their calls through Kamailio) and not Kamailio itself;
# stop() ends it after the nodes.
setsid kamailio -f "$root/deploy/kamailio/kamailio.cfg" -DD -E -m 64 -M 8 \
    -A "LISTEN=udp:127.0.0.1:$sip_port" -A "DISPATCHER_LIST=\"$list\"" \
    -P "$dir/kamailio.pid" -Y "$dir" 2>"$dir/kamailio.log" &
kamailio_pid=$!

# Each node must come up (a port already taken ends it at once), and
# Kamailio must stay up; otherwise say why and stop everything.
n=0
for pid in $nodes; do
    n=$((n + 1))
    log="$dir/node$n/service.log"
    tries=0
    until grep -q "linewarden is running" "$log"; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 600 ]; then
            echo "node $n did not start:" >&2
            tail -n 5 "$log" >&2
            exit 1
        fi
        tries=$((tries + 1))
        sleep 0.1
    done
done
sleep 1
if ! kill -0 "$kamailio_pid" 2>/dev/null; then
    echo "kamailio did not start:" >&2
    grep -E "ERROR|CRITICAL" "$dir/kamailio.log" | tail -n 5 >&2
    exit 1
fi

cat <<TEXT
Kamailio: sip:127.0.0.1:$sip_port (calls are spread over the nodes), log $dir/kamailio.log
Database: $url
Add a console user: $bin user add --role admin NAME --config $dir/node1/linewarden.toml
Calls go to Kamailio (a SIPp caller that follows Record-Route, such as
benches/sipp/caller.xml: sipp 127.0.0.1:$sip_port -sf benches/sipp/caller.xml -i 127.0.0.1 -m 1 -nostdin).
Ctrl-C stops everything.
TEXT
wait
