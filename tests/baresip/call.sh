#!/usr/bin/env bash
# Place one call with baresip, non-interactively: dial URI, press DIGIT
# (RFC 4733) DIGIT_DELAY seconds after dialling, hang up HANGUP_DELAY
# seconds later, quit. Uses a copy of this directory's config, so nothing is
# written here. Prints baresip's output; exits 0 if the call was established,
# 1 if not.
#
#   tests/baresip/call.sh URI [DIGIT] [DIGIT_DELAY] [HANGUP_DELAY] [SIP_PORT]
#
#   URI           e.g. sip:5550199@127.0.0.1:5060
#   DIGIT         0-9, * or #; "" sends none (default 5)
#   DIGIT_DELAY   seconds from /dial to the digit (default 8: the call is
#                 answered within ~1 s, then notice + challenge take ~5.3 s)
#   HANGUP_DELAY  seconds from the digit to the hang-up (default 3)
#   SIP_PORT      local SIP port (default 5070, as in ./config)
#
# Needs: baresip (apt-get install baresip).

set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
uri="$1"
digit="${2-5}"
digit_delay="${3:-8}"
hangup_delay="${4:-3}"
sip_port="${5:-5070}"

command -v baresip >/dev/null 2>&1 || { echo "call.sh: baresip missing (apt-get install baresip)" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
cp "$here/config" "$here/accounts" "$dir/"
sed -i "s/^sip_listen.*/sip_listen\t\t127.0.0.1:$sip_port/" "$dir/config"

# The stdio module reads single-key commands and "/command" lines from
# standard input; a digit key during a call sends that DTMF digit, "b" hangs
# up, "q" quits. -t is a safety net in case "q" is never read.
limit=$((digit_delay + hangup_delay + 10))
out="$dir/baresip.out"
{
    sleep 1
    echo "/dial $uri"
    sleep "$digit_delay"
    if [[ -n "$digit" ]]; then printf '%s' "$digit"; fi
    sleep "$hangup_delay"
    printf 'b'
    sleep 1
    printf 'q'
} | baresip -f "$dir" -t "$limit" 2>&1 | tr '\r' '\n' | grep -v 'audio=.*bit/s' | tee "$out" || true

grep -q 'Call established' "$out"
