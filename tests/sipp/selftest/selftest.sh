#!/usr/bin/env bash
# Check the uac_*.xml scenarios against mock_service.xml (a SIPp UAS that
# stands in for linewarden, without any IVR logic). This tests the
# scenarios, not linewarden. Loopback only; takes about 2 minutes.
#
#   tests/sipp/selftest/selftest.sh [-t t1] [CASE...]
#     -t t1   run over TCP (both sides)
#     CASE    run only these cases (names as printed), default all
#
# Needs: sipp (apt-get install sip-tester). Runs as root or with
# CAP_NET_RAW, which SIPp's play_pcap_audio needs for its raw socket.
# Logs go to a temporary directory, kept and printed on failure.
#
# Ports: mock SIP 5099, mock RTP 16100; caller SIP 5098, caller RTP 16200.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sc="$(dirname "$here")"
transport=u1
if [[ "${1:-}" == "-t" && -n "${2:-}" ]]; then transport="$2"; shift 2; fi
only=("$@")

command -v sipp >/dev/null 2>&1 || { echo "selftest: sipp missing (apt-get install sip-tester)" >&2; exit 1; }

logs="$(mktemp -d)"
keep_logs="${KEEP_LOGS:-0}"   # KEEP_LOGS=1 keeps the logs of passing runs too
mock_pid=""
cleanup() {
    if [[ -n "$mock_pid" ]]; then kill "$mock_pid" 2>/dev/null || true; fi
    if ((keep_logs)); then echo "logs kept in $logs"; else rm -rf "$logs"; fi
}
trap cleanup EXIT

pass=0
fail=0

# run_case NAME EXPECTED_UAC_RC MOCK_ARGS -- UAC_ARGS
run_case() {
    local name="$1" want="$2"; shift 2
    if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then return 0; fi
    local mock_args=() uac_args=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do mock_args+=("$1"); shift; done
    shift
    uac_args=("$@")
    local scenario="${uac_args[0]}"; uac_args=("${uac_args[@]:1}")

    sipp -sf "$here/mock_service.xml" -t "$transport" -i 127.0.0.1 -p 5099 \
        -mi 127.0.0.1 -mp 16100 -m 1 -nostdin -timeout 90s -timeout_error \
        -trace_msg -message_file "$logs/$name.mock.msg" \
        -trace_err -error_file "$logs/$name.mock.err" \
        "${mock_args[@]}" >"$logs/$name.mock.out" 2>&1 &
    mock_pid=$!
    sleep 0.5

    local start end rc=0
    start=$(date +%s)
    sipp 127.0.0.1:5099 -sf "$sc/$scenario" -t "$transport" -i 127.0.0.1 -p 5098 \
        -mi 127.0.0.1 -mp 16200 -m 1 -aa -nostdin -timeout 90s -timeout_error \
        -trace_msg -message_file "$logs/$name.uac.msg" \
        -trace_err -error_file "$logs/$name.uac.err" \
        "${uac_args[@]}" >"$logs/$name.uac.out" 2>&1 || rc=$?
    end=$(date +%s)

    # Give the mock its timewait, then make sure it is gone.
    local i
    for i in 1 2 3 4 5 6; do
        kill -0 "$mock_pid" 2>/dev/null || break
        sleep 0.5
    done
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
    mock_pid=""

    if [[ "$rc" == "$want" ]]; then
        printf 'PASS %-22s rc=%s (%ss)\n' "$name" "$rc" "$((end - start))"
        pass=$((pass + 1))
    else
        printf 'FAIL %-22s rc=%s, wanted %s (%ss); see %s/%s.*\n' \
            "$name" "$rc" "$want" "$((end - start))" "$logs" "$name"
        fail=$((fail + 1))
        keep_logs=1
    fi
}

run_case pass            0 -- uac_pass.xml
run_case info            0 -- uac_info.xml
run_case hold            0 -- uac_hold.xml
run_case wrong           0 -set mode hangup -- uac_wrong.xml
run_case timeout         0 -set mode hangup -- uac_timeout.xml
run_case nat             0 -set mode hangup -set via_params ";received=127.0.0.1;rport=5098" -- uac_nat.xml
run_case nat_no_rport    1 -set mode hangup -- uac_nat.xml
run_case cancel          0 -set mode cancel -- uac_cancel.xml
run_case cancel_answered 1 -- uac_cancel.xml
run_case cancel_answ_ok  0 -- uac_cancel.xml -set race_ok 1
run_case cancel_crossed  1 -set mode cross -- uac_cancel.xml
run_case cancel_cross_ok 0 -set mode cross -- uac_cancel.xml -set race_ok 1
run_case bad_digit       1 -- uac_pass.xml -set digit x -set dtmf_delay 500

echo "$pass passed, $fail failed"
((fail == 0))
