#!/usr/bin/env bash
# Console latency with a big call log: fills a fresh data directory with
# N calls (default 1 000 000 over the last year on 20 lines), starts
# `linewarden serve` (release build) with the console on a loopback port,
# and prints p50/p99 of the call-log API (first page, deep pages, filters)
# and of the call-log page (table and 14-day chart), sequential requests.
#
#   benches/console.sh [N] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
calls="${1:-1000000}"
requests="${2:-200}"

cargo build --release --locked --quiet --bin linewarden --example console_bench
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/linewarden"
bench="$target/release/examples/console_bench"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(( 20000 + RANDOM % 20000 ))
cat > "$work/bench.toml" <<TOML
[service]
listen = "127.0.0.1:$(( port + 1 ))"
data_dir = "$work/data"
[console]
listen = "127.0.0.1:$port"
[[line]]
name = "home"
numbers = ["*"]
[speech]
engine = "off"
TOML
echo "bench-password" | "$bin" user add bench --role admin --config "$work/bench.toml" >/dev/null
"$bench" fill "$work/data" "$calls"
"$bin" serve --config "$work/bench.toml" 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do
    grep -q "console is running" "$work/serve.log" && break
    sleep 0.1
done
"$bench" measure "http://127.0.0.1:$port" bench bench-password "$requests"
