#!/usr/bin/env bash
# How many times faster than real time a corpus replays offline.
#
# Builds the release binary, makes a corpus of COPIES copies of the committed
# fixtures (default 20: 140 calls, about 29 minutes of caller audio), and
# replays it with one worker and with one worker per CPU. The reference is
# real time: a live replay (`replay --to`) of the same corpus takes as long as
# its audio, i.e. a ratio of 1.
#
#   benches/replay-speed.sh [COPIES]
set -euo pipefail
cd "$(dirname "$0")/.."
copies="${1:-20}"

cargo build --release --locked --quiet
bin=target/release/linewarden
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/corpus"
for i in $(seq -w 1 "$copies"); do
    for fx in tests/fixtures/*/; do
        name="$(basename "$fx")"
        cp -r "$fx" "$work/corpus/$i-$name"
    done
done
printf '[[line]]\nname = "home"\nnumbers = ["*"]\n[line.screening]\nchallenge_digit = 5\n' > "$work/bench.toml"

echo "corpus: $(ls "$work/corpus" | wc -l) calls; machine: $(nproc) CPU(s)"
for jobs in 1 "$(nproc)"; do
    # The replay prints "replayed N fixture(s), A s of audio in T s: Rx real time"
    # on stderr; stdout (the per-call results) is discarded here.
    printf 'jobs=%s: ' "$jobs"
    "$bin" replay --jobs "$jobs" --config "$work/bench.toml" "$work/corpus" 2>&1 >/dev/null | tail -1
done
