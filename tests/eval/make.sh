#!/usr/bin/env bash
# Render the evaluation corpus: every call script in calls.txt (beside this
# script) becomes a fixture directory under OUTDIR with caller.wav,
# resident.wav, call.toml and transcript.txt (format: docs/fixtures.md;
# scripts and the audio chain: README.md beside this script).
#
#   tests/eval/make.sh OUTDIR        e.g. tests/eval/make.sh target/eval-corpus
#
# Needs (Debian packages): flite, sox (sox, soxi), and festival with
# festvox-us-slt-hts for the calls that use the voice "hts"; hibari-tts (pip)
# for the voice "hibari" (its bundled neural voice, "heart").
#
# CALLS=FILE renders another script file (tests/eval/large/calls.txt). Two
# optional headers: "rate: R" (the caller's speaking rate, 1.0 normal; not
# for hts) and "fold: F" (kept in the notes).
#
# OUTDIR is created if needed. A non-empty OUTDIR must hold the marker file
# .eval-corpus (written by an earlier run); its contents are then replaced.
# The output is the same bytes on every run for a given calls.txt, flite,
# festival and sox: every variation (noise, SNR, level, codec, timing,
# challenge digit) comes from the call's position in calls.txt (see below),
# and sox runs with -R
# (repeatable noise and dither). Calls are rendered in parallel, JOBS at a
# time (default: the number of CPUs).
#
# Times: t = 0 is the answer. The service plays the notice, then "to be
# connected, press", 100 ms of silence and the digit (lengths read from
# prompts/ in this repository); the caller presses the digit about a second
# after that ends, the service says "connecting" and the resident's phone
# rings; the dialogue starts when the resident picks up.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CALLS="${CALLS:-$HERE/calls.txt}"             # another script file: CALLS=FILE
PROMPTS="$REPO/prompts"
RATE=16000                              # working rate; the fixture is 8 kHz
SOX=(sox -R -V1)
VOICES="rms slt awb kal kal16 hts hibari"
TAGS="police bank-details courier cash pin-keyed suspicious-cli"
NEVER_CALL_OUT="999 112 101 105 111 159" # ivr/src/numbers/cli.rs: spoofed when presented

# Per-call variation, chosen by the call's index i (1, 2, ... in calls.txt)
# and, for the SNR, by the caller voice's v (its place in $VOICES) and the
# call's rank r among the calls with that caller voice (1, 2, ...), so that
# every voice is heard at every SNR.
NOISES=(brownnoise pinknoise whitenoise)       # [i % 3]
SNRS_DB=(30 25 20 16 12)                       # caller side, in band; [(r + v) % 5]
PEAKS_DB=(-4 -6 -9 -7)                         # speech peak; [i % 4]
CODECS=(a-law u-law)                           # [i % 2]
RESIDENT_SNR_DB=35                             # the resident's quiet room
TAIL_MS=1500                                   # caller hangs up after the last line

die() { echo "make.sh: error: $*" >&2; exit 1; }

check_tools() {
    local missing=() tool
    for tool in flite:flite sox:sox soxi:sox; do
        command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool%%:*} (apt-get install ${tool##*:})")
    done
    if grep -qE '^voices:.*\bhts\b' "$CALLS"; then
        command -v text2wave >/dev/null 2>&1 ||
            missing+=("text2wave (apt-get install festival festvox-us-slt-hts)")
    fi
    if grep -qE '^voices:.*\bhibari\b' "$CALLS"; then
        command -v hibari >/dev/null 2>&1 || missing+=("hibari (pip install hibari-tts)")
    fi
    ((${#missing[@]} == 0)) || die "missing: ${missing[*]}"
    local v have
    have=" $(flite -lv | sed 's/^[^:]*://') "
    for v in rms slt awb kal kal16; do
        [[ "$have" == *" $v "* ]] || die "flite has no voice $v (it has:$have)"
    done
}

# parse <specdir>: checks calls.txt and writes one spec file per call,
# <specdir>/<index>, holding "index: i" and the call's lines; prints the
# number of calls. Every problem is reported as calls.txt:LINE.
parse() {
    local specdir=$1
    awk -v specdir="$specdir" -v file="calls.txt" -v voices="$VOICES" \
        -v tags="$TAGS" -v nco="$NEVER_CALL_OUT" '
    function err(msg) { printf "%s:%d: %s\n", file, NR, msg > "/dev/stderr"; bad = 1 }
    function cerr(msg) { printf "%s:%d: call %s: %s\n", file, start, name, msg > "/dev/stderr"; bad = 1 }
    function finish(   n, t, i, parts, seen, isscam) {
        if (name == "") return
        if (!("caller" in hdr)) cerr("no caller:")
        if (!("voices" in hdr)) cerr("no voices:")
        if (!("tags" in hdr)) cerr("no tags: (write \"tags:\" for none)")
        if (!("risk" in hdr)) cerr("no risk:")
        if (!("notes" in hdr)) cerr("no notes:")
        if (ncaller == 0 || nresident == 0) cerr("needs C: and R: lines")
        n = split(hdr["tags"], parts, " ")
        haspin = 0; hassus = 0
        for (i = 1; i <= n; i++) {
            if (!(parts[i] in tagok)) cerr("unknown tag " parts[i])
            if (parts[i] in seen) cerr("tag " parts[i] " twice")
            seen[parts[i]] = 1
            if (parts[i] == "pin-keyed") haspin = 1
            if (parts[i] == "suspicious-cli") hassus = 1
        }
        if (haspin && !nkeys) cerr("tag pin-keyed but no K: line")
        if (!haspin && nkeys) cerr("K: lines but no pin-keyed tag")
        if ((hdr["caller"] in ncoset) && !hassus) cerr("caller " hdr["caller"] " never calls out: add suspicious-cli")
        if (!(hdr["caller"] in ncoset) && hassus) cerr("suspicious-cli, but caller " hdr["caller"] " is not a spoofed short code")
        isscam = (name ~ /^scam-/)
        if (isscam && hdr["risk"] != "high") cerr("a scam expects risk high")
        if (!isscam && hdr["risk"] != "none" && hdr["risk"] != "low") cerr("an everyday call expects risk none or low")
        split(hdr["voices"], v, " ")
        print "rank: " (++rank[v[1]]) > out
        close(out)
        name = ""
    }
    BEGIN {
        split(voices, a, " "); for (i in a) voiceok[a[i]] = 1
        split(tags, a, " "); for (i in a) tagok[a[i]] = 1
        split(nco, a, " "); for (i in a) ncoset[a[i]] = 1
        count = 0
    }
    { sub(/[ \t\r]+$/, "") }
    /^[ \t]*$/ || /^#/ { next }
    /[\\"]/ { err("no double quotes or backslashes, please"); next }
    /^call:/ {
        finish()
        name = $2
        if (NF != 2 || name !~ /^(scam|everyday)-[a-z0-9]+(-[a-z0-9]+)*$/)
            err("call: needs one name, scam-... or everyday-..., lower case, digits and dashes")
        if (name in names) err("call " name " twice")
        names[name] = 1
        count++; start = NR
        delete hdr; ncaller = 0; nresident = 0; nkeys = 0; talking = 0
        out = sprintf("%s/%03d", specdir, count)
        print "index: " count > out
        print "name: " name > out
        next
    }
    name == "" { err("expected call: NAME before this line"); next }
    /^(caller|voices|tags|risk|notes|rate|fold):/ {
        key = substr($0, 1, index($0, ":") - 1)
        val = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", val)
        if (talking) err(key ": must come before the dialogue")
        if (key in hdr) err(key ": given twice")
        if (key == "caller" && val !~ /^\+?[0-9]+$/) err("caller: digits, with an optional leading +")
        if (key == "voices") {
            if (split(val, v, " ") != 2 || !(v[1] in voiceok) || !(v[2] in voiceok) || v[1] == v[2])
                err("voices: two different voices (caller, resident) from: " voices)
        }
        if (key == "risk" && val !~ /^(none|low|medium|high)$/) err("risk: none, low, medium or high")
        if (key == "notes" && val == "") err("notes: empty")
        if (key == "rate" && val !~ /^[0-9]+[.][0-9]+$/) err("rate: a number such as 0.9")
        if (key == "fold" && val !~ /^[0-9]+$/) err("fold: a number")
        hdr[key] = val
        print key ": " val > out
        next
    }
    /^[CR]: *[^ ]/ {
        talking = 1
        if (substr($0, 1, 1) == "C") ncaller++; else nresident++
        print > out
        next
    }
    /^K: *[0-9*#]+$/ {
        talking = 1; nkeys++
        print > out
        next
    }
    { err("expected call:, caller:, voices:, tags:, risk:, notes:, C: text, R: text or K: digits") }
    END {
        finish()
        if (count == 0) { printf "%s: no calls\n", file > "/dev/stderr"; bad = 1 }
        if (bad) exit 1
        print count
    }' "$CALLS"
}

# speak <out.wav> <voice> <text> <peak> [rate]: the text at $RATE mono 16-bit,
# silence trimmed at both ends, peak at <peak> dBFS, spoken at [rate] (1.0).
speak() {
    local out=$1 voice=$2 text=$3 peak=$4 rate=${5:-1.0} raw="$1.raw.wav"
    if [[ "$voice" == hts ]]; then
        printf '%s\n' "$text" | text2wave -eval "(voice_cmu_us_slt_arctic_hts)" -o "$raw" >/dev/null
    elif [[ "$voice" == hibari ]]; then
        hibari --threads 1 --seed 7 --speed "$rate" -o "$raw" "$text" >/dev/null
    elif [[ "$rate" == 1.0 ]]; then
        flite -voice "$voice" -t "$text" -o "$raw"
    else
        flite -voice "$voice" --setf duration_stretch="$(awk -v r="$rate" 'BEGIN { printf "%.3f", 1 / r }')" \
            -t "$text" -o "$raw"
    fi
    "${SOX[@]}" "$raw" -r "$RATE" -c 1 -b 16 "$out" \
        silence 1 0.02 -45d reverse silence 1 0.02 -45d reverse gain -n "$peak"
    rm -f "$raw"
}

# silence <out.wav> <samples>: digital silence at $RATE, samples > 0.
silence() {
    "${SOX[@]}" -r "$RATE" -c 1 -n -b 16 "$1" trim 0 "$2s"
}

# rms <wav...>: RMS amplitude of the files together (0..1).
rms() {
    sox "$@" -n stat 2>&1 | awk '/^RMS +amplitude:/ { print $3 }'
}

# line <in.wav> <out.wav> <speech.wav> <noise> <snr_db> <codec>: the phone
# line: adds <noise> so that, in the telephone band (300-3400 Hz), the speech
# in <speech.wav> is <snr_db> above it; band-limits, goes to 8 kHz, through
# G.711 (<codec>: a-law or u-law) and back to 16-bit linear.
line() {
    local in=$1 out=$2 speech=$3 noise=$4 snr=$5 codec=$6 dir
    dir="$(dirname "$out")"
    "${SOX[@]}" -r "$RATE" -c 1 -n -b 16 "$dir/noise.wav" synth "$(soxi -s "$in")s" "$noise"
    "${SOX[@]}" "$dir/noise.wav" "$dir/noise-band.wav" sinc 300-3400
    "${SOX[@]}" "$speech" "$dir/speech-band.wav" sinc 300-3400
    local s n gain
    s=$(rms "$dir/speech-band.wav")
    n=$(rms "$dir/noise-band.wav")
    gain=$(awk -v s="$s" -v n="$n" -v snr="$snr" 'BEGIN { printf "%.6f", s / (n * exp(log(10) * snr / 20)) }')
    "${SOX[@]}" -m -v 1 "$in" -v "$gain" "$dir/noise.wav" "$dir/mixed.wav" sinc 300-3400
    "${SOX[@]}" "$dir/mixed.wav" -r 8000 -c 1 -e "$codec" -b 8 "$dir/g711.wav"
    "${SOX[@]}" "$dir/g711.wav" -e signed-integer -b 16 "$out"
    rm -f "$dir/noise.wav" "$dir/noise-band.wav" "$dir/speech-band.wav" "$dir/mixed.wav" "$dir/g711.wav"
}

# samples of a prompt file at 8 kHz
prompt_samples() {
    local f="$PROMPTS/$1.wav"
    [[ -f "$f" ]] || die "no prompt $f"
    [[ "$(soxi -r "$f")" == 8000 ]] || die "$f: expected 8 kHz"
    soxi -s "$f"
}

# render <spec> <builddir>: one call into <builddir>/<name>.
render() {
    local spec=$1 build=$2
    local index="" rank="" name="" caller="" voices="" tags="" risk="" notes="" rate="" fold=""
    local dialogue=() key val
    while IFS= read -r row; do
        case "$row" in
            [CRK]:*) dialogue+=("$row") ;;
            *:*)
                key=${row%%:*}
                val=${row#*:}
                val=${val# }
                case "$key" in
                    index) index=$val ;; rank) rank=$val ;; name) name=$val ;; caller) caller=$val ;;
                    voices) voices=$val ;; tags) tags=$val ;; risk) risk=$val ;;
                    notes) notes=$val ;; rate) rate=$val ;; fold) fold=$val ;;
                esac
                ;;
        esac
    done <"$spec"
    local d="$build/$name" w="$build/$name.work"
    rm -rf "$d" "$w"
    mkdir -p "$d" "$w"

    local cvoice=${voices%% *} rvoice=${voices##* }
    local vi=0 v
    for v in $VOICES; do
        [[ "$v" == "$cvoice" ]] && break
        vi=$((vi + 1))
    done
    local noise=${NOISES[index % 3]} snr=${SNRS_DB[(rank + vi) % 5]}
    local peak=${PEAKS_DB[index % 4]} codec=${CODECS[index % 2]}
    local digit=$(((index * 3 + 7) % 10))
    local ring_ms=$((1200 + (index * 7 % 5) * 500))

    # The press: a second after the challenge prompt ends, on a 100 ms step.
    local challenge_end press per_ms=$((RATE / 1000))
    challenge_end=$((($(prompt_samples notice) + $(prompt_samples challenge) + 800 +
        $(prompt_samples "digit-$digit")) / 8))
    press=$(((challenge_end + 1000 + 99) / 100 * 100))
    local cursor=$((press + $(prompt_samples connecting) / 8 + ring_ms))

    # Lay out the dialogue: each line starts at cursor (ms); times in samples
    # at $RATE are exact, transcript times are rounded to ms.
    local j=0 row who text seg samples start end last=0 pause k keys=()
    local cparts=() rparts=() cpos=0 rpos=0 cspeech=() rspeech=()
    : >"$w/transcript.txt"
    for row in "${dialogue[@]}"; do
        j=$((j + 1))
        who=${row:0:1}
        text=${row#?:}
        text=${text# }
        pause=$((250 + ((index * 13 + j * 7) % 6) * 100))
        if [[ "$who" == K ]]; then
            for ((k = 0; k < ${#text}; k++)); do
                cursor=$((cursor + 600))
                keys+=("$cursor ${text:k:1}")
            done
            last=$cursor
            cursor=$((cursor + 700))
            continue
        fi
        seg="$w/seg$j.wav"
        if [[ "$who" == C ]]; then
            speak "$seg" "$cvoice" "$text" "$peak" "${rate:-1.0}"
            cspeech+=("$seg")
        else
            speak "$seg" "$rvoice" "$text" -6
            rspeech+=("$seg")
        fi
        samples=$(soxi -s "$seg")
        start=$((cursor * per_ms))
        if [[ "$who" == C ]]; then
            if ((start > cpos)); then
                silence "$w/gap$j.wav" $((start - cpos))
                cparts+=("$w/gap$j.wav")
            fi
            cparts+=("$seg")
            cpos=$((start + samples))
            end=$cpos
        else
            if ((start > rpos)); then
                silence "$w/gap$j.wav" $((start - rpos))
                rparts+=("$w/gap$j.wav")
            fi
            rparts+=("$seg")
            rpos=$((start + samples))
            end=$rpos
        fi
        end=$(((end + per_ms / 2) / per_ms))
        last=$end
        if [[ "$who" == C ]]; then
            echo "$cursor $end caller $text" >>"$w/transcript.txt"
        else
            echo "$cursor $end resident $text" >>"$w/transcript.txt"
        fi
        cursor=$((end + pause))
    done
    local total=$(((last + TAIL_MS) * per_ms))
    silence "$w/ctail.wav" $((total - cpos))
    cparts+=("$w/ctail.wav")
    silence "$w/rtail.wav" $((total - rpos))
    rparts+=("$w/rtail.wav")
    "${SOX[@]}" "${cparts[@]}" "$w/caller-clean.wav"
    "${SOX[@]}" "${rparts[@]}" "$w/resident-clean.wav"
    "${SOX[@]}" "${cspeech[@]}" "$w/caller-speech.wav"
    "${SOX[@]}" "${rspeech[@]}" "$w/resident-speech.wav"

    line "$w/caller-clean.wav" "$d/caller.wav" "$w/caller-speech.wav" "$noise" "$snr" "$codec"
    line "$w/resident-clean.wav" "$d/resident.wav" "$w/resident-speech.wav" brownnoise "$RESIDENT_SNR_DB" "$codec"
    [[ "$(soxi -s "$d/caller.wav")" == "$(soxi -s "$d/resident.wav")" ]] ||
        die "$name: caller.wav and resident.wav differ in length"
    mv "$w/transcript.txt" "$d/transcript.txt"

    local toml_tags="" t
    for t in $tags; do
        toml_tags+="${toml_tags:+, }\"$t\""
    done
    {
        echo "caller = \"$caller\""
        echo 'called = "5550000"'
        echo "challenge_digit = $digit"
        local extra=""
        [[ -n "$rate" ]] && extra+=", rate $rate"
        [[ -n "$fold" ]] && extra+=", fold $fold"
        echo "notes = \"$notes; audio: caller $cvoice$extra, resident $rvoice, G.711 $codec, $noise at $snr dB SNR\""
        echo
        echo '[expect]'
        echo 'outcome = "passed"'
        echo "tags = [$toml_tags]"
        echo "risk = \"$risk\""
        echo
        echo '[[dtmf]]'
        echo "at_ms = $press"
        echo "digit = \"$digit\""
        echo 'by = "caller"'
        for k in "${keys[@]+"${keys[@]}"}"; do
            echo
            echo '[[dtmf]]'
            echo "at_ms = ${k% *}"
            echo "digit = \"${k#* }\""
            echo 'by = "resident"'
        done
    } >"$d/call.toml"
    rm -rf "$w"
}

main() {
    (($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
    local outdir=$1 t0=$SECONDS
    check_tools
    mkdir -p "$outdir"
    outdir="$(cd "$outdir" && pwd)"
    if [[ -n "$(ls -A "$outdir")" && ! -f "$outdir/.eval-corpus" ]]; then
        die "$outdir is not empty and has no .eval-corpus marker: not overwriting it"
    fi
    find "$outdir" -mindepth 1 -maxdepth 1 ! -name .eval-corpus -exec rm -rf {} +
    echo "evaluation corpus made by tests/eval/make.sh; its contents are replaced on each run" >"$outdir/.eval-corpus"

    local count
    build="$outdir/.build"
    trap 'rm -rf "$build"' EXIT
    mkdir -p "$build/specs"
    count=$(parse "$build/specs") || die "calls.txt has errors (above)"
    printf '%s\n' "$build"/specs/* |
        xargs -P "${JOBS:-$(nproc)}" -I{} bash "$HERE/make.sh" --render {} "$build"
    local name spec
    for spec in "$build"/specs/*; do
        name=$(sed -n 's/^name: //p' "$spec")
        mv "$build/$name" "$outdir/$name"
    done
    rm -rf "$build"

    summary "$outdir" "$count" $((SECONDS - t0))
}

# summary <outdir> <count> <seconds>
summary() {
    local outdir=$1 count=$2 secs=$3 dir name total=0
    printf '%-36s %7s  %-46s %s\n' fixture seconds "audio (from the notes)" tags
    for dir in "$outdir"/*/; do
        name=$(basename "$dir")
        printf '%-36s %7.1f  %-46s %s\n' "$name" "$(soxi -D "$dir/caller.wav")" \
            "$(sed -n 's/^notes = .*; audio: \(.*\)"$/\1/p' "$dir/call.toml" | sed 's/ SNR$//; s/caller //; s/resident //')" \
            "$(sed -n 's/^tags = \[\(.*\)\]$/\1/p' "$dir/call.toml" | tr -d '"')"
    done
    total=$(for dir in "$outdir"/*/; do soxi -D "$dir/caller.wav"; done | awk '{ s += $1 } END { printf "%.0f", s }')
    echo
    echo "$count calls: $(ls -d "$outdir"/scam-*/ | wc -l) scam, $(ls -d "$outdir"/everyday-*/ | wc -l) everyday; $((total / 60)) min $((total % 60)) s of audio; made in ${secs} s"
    local t
    for t in $TAGS; do
        printf '  %-15s %3d calls\n' "$t" "$(grep -l "^tags = .*\"$t\"" "$outdir"/*/call.toml | wc -l)"
    done
}

if [[ "${1:-}" == --render ]]; then
    (($# == 3)) || die "usage: $0 --render SPEC BUILDDIR"
    render "$2" "$3"
else
    main "$@"
fi
