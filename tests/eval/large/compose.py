#!/usr/bin/env python3
"""Compose the large evaluation corpus's calls.txt from fragments.txt.

    tests/eval/large/compose.py > tests/eval/large/calls.txt

Deterministic: every choice comes from a random.Random seeded with the
call's number, so the same fragments give the same calls. Calls 1-100 are
scams, 101-200 everyday calls; a call's fold is its number mod 5, and it
uses only the fragments of its fold's pool (fragment k of a section is in
pool k mod 5). Fold 0 is the held-out part: no phrase or rule is tuned on
it. The output is in the format of tests/eval/calls.txt (see
tests/eval/README.md), with two extra headers make.sh reads: "rate:" (the
caller's speaking rate) and "fold:".
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDS = 5

# Caller voices, cycled by (number * 3) mod 7: hibari is the neural voice.
CALLER_VOICES = ["rms", "hibari", "slt", "awb", "hibari", "kal16", "hts"]
RATES = ["1.0", "0.9", "1.15"]

# Scam shapes: (name, caller slots). Every scam asks for something.
SCAMS = [
    ("police-card-courier", ["police-open", "police-story", "ask-credential", "ask-handover", "ask-secrecy", "scam-close"]),
    ("police-cash-courier", ["police-open", "police-story", "ask-money", "ask-secrecy", "ask-handover", "scam-close"]),
    ("bank-details", ["bank-open", "bank-story", "ask-credential", "scam-close"]),
    ("bank-safe-account", ["bank-open", "bank-story", "ask-money", "ask-secrecy", "scam-close"]),
    ("police-cash", ["police-open", "police-story", "ask-money", "scam-close"]),
    ("bank-card-collect", ["bank-open", "bank-story", "ask-handover", "scam-close"]),
    ("bank-pin", ["bank-open", "ask-credential", "scam-close"]),
    ("police-collect", ["police-open", "ask-handover", "ask-secrecy"]),
    ("bank-secret", ["bank-open", "bank-story", "ask-credential", "ask-secrecy"]),
    ("police-pin", ["police-open", "police-story", "ask-credential", "scam-close"]),
]
EVERYDAY = [("family", "family-open"), ("service", "service-open")]


def load():
    sections, name = {}, None
    with open(os.path.join(HERE, "fragments.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                name = line.strip("[]")
                sections[name] = []
                continue
            tags, text = (part.strip() for part in line.split("|", 1))
            sections[name].append((tags.split(), text))
    return sections


def pool(sections, name, fold):
    return [f for k, f in enumerate(sections[name]) if k % FOLDS == fold]


def voices(n):
    caller = CALLER_VOICES[(n * 3) % len(CALLER_VOICES)]
    resident = "rms" if caller == "slt" else "slt"
    return caller, resident


def keyed(text):
    low = text.lower()
    return any(w in low for w in ("type your", "key in", "enter your pin", "keypad"))


def scam(sections, n):
    rng = random.Random(n)
    fold = n % FOLDS
    shape, slots = SCAMS[((n - 1) // FOLDS) % len(SCAMS)]
    caller, resident = voices(n)
    two_party = n % 4 != 0
    tags, lines = [], ["R: Hello?"]
    used = set()
    for slot in slots:
        choices = [f for f in pool(sections, slot, fold) if f[1] not in used]
        ftags, text = rng.choice(choices)
        used.add(text)
        tags += [t for t in ftags if t not in tags]
        lines.append("C: " + text)
        if keyed(text):
            lines.append("K: %04d" % rng.randrange(10000))
            if "pin-keyed" not in tags:
                tags.append("pin-keyed")
        if two_party and slot != slots[-1]:
            kind = "resident-comply" if slot.startswith("ask") and rng.random() < 0.6 else "resident-neutral"
            lines.append("R: " + rng.choice(pool(sections, kind, fold))[1])
    if not two_party:
        lines.append("R: " + rng.choice(pool(sections, "resident-neutral", fold))[1])
    return block("scam-%s-%03d" % (shape, n), n, caller, resident, tags, "high",
                 "%s, %s" % (shape.replace("-", " "), "two-party" if two_party else "caller only"), lines, rng)


def everyday(sections, n):
    rng = random.Random(n)
    fold = n % FOLDS
    kind, opener = EVERYDAY[(n // FOLDS) % 2]
    caller, resident = voices(n)
    two_party = n % 4 != 0
    lines = ["R: Hello?", "C: " + rng.choice(pool(sections, opener, fold))[1]]
    body = rng.sample(pool(sections, "lookalike", fold), 3 + n % 2)
    for _, text in body:
        if two_party:
            lines.append("R: " + rng.choice(pool(sections, "resident-everyday", fold))[1])
        lines.append("C: " + text)
    lines.append("C: " + rng.choice(pool(sections, "everyday-close", fold))[1])
    lines.append("R: " + rng.choice(pool(sections, "resident-everyday", fold))[1])
    return block("everyday-%s-%03d" % (kind, n), n, caller, resident, [], "none",
                 "%s call with look-alike words, %s" % (kind, "two-party" if two_party else "caller only"), lines, rng)


def block(name, n, caller, resident, tags, risk, notes, lines, rng):
    rate = "1.0" if caller == "hts" else RATES[n % 3]
    number = "+4477009%05d" % (n + 10000) if n % 2 else "+441632%06d" % (960000 + n)
    head = [
        "call: " + name,
        "caller: " + number,
        "voices: %s %s" % (caller, resident),
        "tags: " + " ".join(tags),
        "risk: " + risk,
        "rate: " + rate,
        "fold: %d" % (n % FOLDS),
        "notes: " + notes,
    ]
    return "\n".join(head + lines) + "\n"


def main():
    sections = load()
    out = [__doc__.strip().splitlines()[0].join(["# ", " Made by compose.py; do not edit.\n"])]
    out += [scam(sections, n) for n in range(1, 101)]
    out += [everyday(sections, n) for n in range(101, 201)]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
