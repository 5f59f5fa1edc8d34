#!/usr/bin/env bash
# Fuzzes every parser for longer than CI does.
#
# With cargo-fuzz on a nightly toolchain (`rustup toolchain install nightly`,
# `cargo install cargo-fuzz`), each target under fuzz/ runs SECS seconds
# under libFuzzer, coverage-guided, from its seeds in fuzz/corpus/<target>/
# (new inputs go to a scratch directory, so the committed seeds stay as
# they are; a crashing input is saved under fuzz/artifacts/<target>/).
# Without them, the same targets run SECS seconds each in the test-mode
# driver (deterministic mutations of the seeds, LINEWARDEN_FUZZ_SECS) on
# the stable toolchain, built with optimizations.
#
# A crash is a bug: fix it, then add the input to fuzz/corpus/<target>/ as
# a regression seed.
#
#   benches/fuzz.sh [SECS] [TARGET...]
#
# SECS defaults to 300; TARGET to all of guard sdp rtp config call_toml.
# LINEWARDEN_FUZZ_SEED picks another mutation stream for the test-mode driver.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-300}"
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(guard sdp rtp config call_toml)

if cargo +nightly fuzz --version >/dev/null 2>&1; then
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    for t in "${targets[@]}"; do
        echo "== $t: libFuzzer for $secs s"
        mkdir -p "$scratch/$t"
        (cd fuzz && cargo +nightly fuzz run "$t" "$scratch/$t" "corpus/$t" -- \
            -max_total_time="$secs" -max_len=65535 -print_final_stats=1)
    done
else
    echo "cargo-fuzz on nightly not found: running the test-mode driver for $secs s per target"
    export LINEWARDEN_FUZZ_SECS="$secs"
    for t in "${targets[@]}"; do
        echo "== $t: test-mode driver for $secs s"
        case "$t" in
            guard | sdp | rtp) cargo test --release --locked -p sip --test "fuzz_$t" -- --nocapture ;;
            config) cargo test --release --locked --bin linewarden config::tests::fuzz -- --nocapture ;;
            call_toml) cargo test --release --locked --bin linewarden research::fixture::tests::fuzz -- --nocapture ;;
            *) echo "unknown target $t (guard sdp rtp config call_toml)" >&2; exit 2 ;;
        esac
    done
fi
