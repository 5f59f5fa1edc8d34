#!/usr/bin/env bash
# Regenerate the linewarden IVR prompt WAVs in this directory.
#
# Output: 8000 Hz, mono, 16-bit signed PCM WAV; leading/trailing silence
# trimmed and replaced by 100 ms of digital silence on each side; peak
# normalized to -3 dBFS.
#
# Voice: festival + voice_cmu_us_slt_arctic_hts (Debian: festival,
# festvox-us-slt-hts). If that voice cannot be loaded, falls back to flite's
# built-in "slt" voice (Debian: flite) and says so.
# Set PROMPT_ENGINE=flite to force the fallback, PROMPT_ENGINE=festival to
# forbid it.
#
# Safe to run repeatedly and from any directory; files are written atomically.
# The output is deterministic for a given festival/sox version.

set -euo pipefail

# ---------------------------------------------------------------------------
# Prompt list: <file name without .wav>|<text to speak>
# ---------------------------------------------------------------------------
PROMPTS='
notice|Calls to this line are screened and may be recorded.
challenge|To be connected, press
digit-0|zero
digit-1|one
digit-2|two
digit-3|three
digit-4|four
digit-5|five
digit-6|six
digit-7|seven
digit-8|eight
digit-9|nine
wrong-key|Sorry, that was not the right key.
no-key|Sorry, I did not hear a key.
connecting|Thank you, connecting you.
goodbye|Sorry, we could not connect your call. Goodbye.
unavailable|The person you are calling is not available. Goodbye.
leave-message|The person you are calling is not available. Please leave a message after the tone.
warning|Warning. Police and banks never ask for your PIN, or send a courier. You can hang up now.
say-name|After the tone, please say your name.
call-from|Call from
accept-reject|Press 1 to accept, or 2 to reject.
declined|Sorry, the person you are calling cannot take your call. Goodbye.
line-clear|The line is clear. Connecting you.
could-not-connect|Sorry, that call could not be connected. Goodbye.
call-guard|This is your call guard.
mentioned-police|The last call mentioned the police.
mentioned-bank|The last call mentioned your bank details.
mentioned-both|The last call mentioned the police and your bank details.
never-ask|Police and banks never ask for your PIN. The line is now clear.
line-now-clear|The line is now clear.
menu-press|Press
menu-police|for the police on one-zero-one.
menu-bank|for your bank through one-five-nine.
menu-call|to call
or-hang-up|Or hang up.
'

FESTIVAL_VOICE=voice_cmu_us_slt_arctic_hts
FLITE_VOICE=slt
RATE=8000
PEAK_DB=-3          # normalization target, dBFS
PAD_S=0.1           # silence kept/added at each end, seconds
SILENCE_TH=-50d     # level below which leading/trailing audio counts as silence
SILENCE_MIN=0.01    # seconds above threshold needed to count as sound

OUT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "generate.sh: error: $*" >&2; exit 1; }

need() { # need <command> <debian package>
    command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)")
}

missing=()
need sox sox
need soxi sox
engine="${PROMPT_ENGINE:-auto}"
case "$engine" in
    auto|festival|flite) ;;
    *) die "PROMPT_ENGINE must be auto, festival or flite (got '$engine')" ;;
esac

if [[ "$engine" != flite ]]; then
    if command -v text2wave >/dev/null 2>&1 && command -v festival >/dev/null 2>&1 \
        && festival -b "($FESTIVAL_VOICE)" >/dev/null 2>&1; then
        engine=festival
    elif [[ "$engine" == festival ]]; then
        missing+=("festival voice $FESTIVAL_VOICE (apt-get install festival festvox-us-slt-hts)")
    else
        echo "generate.sh: festival voice $FESTIVAL_VOICE not available" \
             "(apt-get install festival festvox-us-slt-hts); falling back to flite" >&2
        engine=flite
    fi
fi
if [[ "$engine" == flite ]]; then
    need flite flite
fi
if ((${#missing[@]})); then
    printf 'generate.sh: missing: %s\n' "${missing[@]}" >&2
    exit 1
fi

case "$engine" in
    festival) echo "Using festival, voice $FESTIVAL_VOICE" ;;
    flite)    echo "Using flite (FALLBACK), voice $FLITE_VOICE" ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

synth() { # synth <text> <raw wav out>
    case "$engine" in
        festival)
            # text2wave exits 0 even on Scheme errors, so check the output.
            printf '%s\n' "$1" | text2wave -eval "($FESTIVAL_VOICE)" -o "$2" >/dev/null
            ;;
        flite)
            flite -voice "$FLITE_VOICE" -t "$1" -o "$2"
            ;;
    esac
    [[ -s "$2" ]] || die "synthesis produced no audio for: $1"
}

count=0
while IFS='|' read -r name text; do
    [[ -n "$name" ]] || continue
    raw="$tmp/$name.raw.wav"
    out="$tmp/$name.wav"
    synth "$text" "$raw"
    # -D: no dither, -R: repeatable; trim silence at both ends (reverse trick),
    # resample, normalize, then pad with exact digital silence.
    sox -D -R "$raw" -r "$RATE" -c 1 -b 16 -e signed-integer "$out" \
        silence 1 "$SILENCE_MIN" "$SILENCE_TH" \
        reverse silence 1 "$SILENCE_MIN" "$SILENCE_TH" reverse \
        rate -v "$RATE" norm "$PEAK_DB" pad "$PAD_S" "$PAD_S"
    [[ "$(soxi -r "$out")" == "$RATE" && "$(soxi -c "$out")" == 1 && "$(soxi -b "$out")" == 16 ]] \
        || die "$name.wav has an unexpected format"
    mv -f "$out" "$OUT_DIR/$name.wav"
    printf '  %-15s %5.2f s  "%s"\n' "$name.wav" "$(soxi -D "$OUT_DIR/$name.wav")" "$text"
    count=$((count + 1))
done <<<"$PROMPTS"

echo "Wrote $count prompts to $OUT_DIR ($engine)"
