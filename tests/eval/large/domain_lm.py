#!/usr/bin/env python3
"""Build a small domain language model (ARPA, bigrams with absolute
discounting and back-off) from the corpus fragments of the tuning folds
only (pools 1-4; pool 0 is held out), for measuring decoding with a domain
language model against keyphrase spotting (docs/evaluation.md).

    tests/eval/large/domain_lm.py DICT [--leave-out K] [--background N] > domain.lm

DICT is PocketSphinx's pronouncing dictionary; words it lacks are dropped.
With --leave-out K (1-4) pool K is left out too: a model for measuring on
tuning fold K as if it were held out, since every fold is built from its
own pool's fragments only (cross-validating a choice made with the model).
With --background N the N most probable words of PocketSphinx's general
English model (`en-us.lm.bin`, read through sphinxbase-utils'
sphinx_lm_convert) join the vocabulary: unigrams are 70% the corpus's and
30% the general model's, so that words the fragments never use ("how",
"think", "surgery") can still be heard; bigrams stay the corpus's.
"""

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

from compose import FOLDS, load

D = 0.5
BACKGROUND_WEIGHT = 0.3
GENERAL_LM = "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin"


def sentences(left_out):
    """The fragments of every section outside the held-out pool 0 and the
    pools in `left_out`."""
    for fragments in load().values():
        for k, (_, text) in enumerate(fragments):
            if k % FOLDS != 0 and k % FOLDS not in left_out:
                yield text


def tokens(text):
    """The words of `text` as the dictionary spells them: lower case,
    apostrophes kept inside words."""
    out = []
    for w in re.split(r"[^a-z0-9']+", text.lower().replace("\u2019", "'")):
        w = w.strip("'")
        if w:
            out.append(w)
    return out


def words(text, vocab):
    return [w for w in tokens(text) if w in vocab]


def background(vocab, n):
    """The n most probable plain words of the general model that the
    dictionary has, with their probabilities renormalised over them."""
    with tempfile.TemporaryDirectory() as tmp:
        arpa = os.path.join(tmp, "general.arpa")
        # Debian's sphinx_lm_convert writes every unigram of this model,
        # then aborts while writing its bigrams (an assertion in the trie
        # writer); the unigrams are all that is read here.
        subprocess.run(["sphinx_lm_convert", "-i", GENERAL_LM, "-o", arpa],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        with open(arpa, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\\1-grams:", 1)[-1].split("\\2-grams:", 1)[0].splitlines()
    found = []
    for line in lines[:-1]:  # the last may be cut short
        parts = line.split()
        if len(parts) >= 2 and parts[1] in vocab and re.fullmatch(r"[a-z][a-z']*", parts[1]):
            found.append((float(parts[0]), parts[1]))
    if len(found) < n:
        sys.exit(f"{GENERAL_LM}: only {len(found)} words read, {n} asked for")
    found = sorted(found, reverse=True)[:n]
    total = sum(10**lp for lp, _ in found)
    return {w: 10**lp / total for lp, w in found}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dict")
    ap.add_argument("--leave-out", type=int, choices=[1, 2, 3, 4])
    ap.add_argument("--background", type=int, metavar="N")
    a = ap.parse_args()
    left_out = {a.leave_out} if a.leave_out else set()
    vocab = set()
    with open(a.dict, encoding="utf-8") as f:
        for line in f:
            vocab.add(line.split(" ", 1)[0])
    uni, bi = Counter(), Counter()
    for s in sentences(left_out):
        ws = ["<s>"] + words(s, vocab) + ["</s>"]
        uni.update(ws)
        bi.update(zip(ws, ws[1:]))
    n = sum(c for w, c in uni.items() if w != "<s>")
    v = len(uni)
    p_uni = {w: (uni[w] + 1) / (n + v) for w in uni}
    if a.background:
        general = background(vocab, a.background)
        p_uni = {
            w: (1 - BACKGROUND_WEIGHT) * p_uni.get(w, 0) + BACKGROUND_WEIGHT * general.get(w, 0)
            for w in set(p_uni) | set(general)
        }
    after = defaultdict(list)
    for (a, b), c in bi.items():
        after[a].append((b, c))
    out = ["\\data\\", "ngram 1=%d" % len(p_uni), "ngram 2=%d" % len(bi), "", "\\1-grams:"]
    for w in sorted(p_uni):
        nexts = after.get(w, [])
        if nexts:
            total = uni[w]
            left = D * len(nexts) / total
            seen = sum(p_uni[b] for b, _ in nexts)
            bow = math.log10(left / max(1e-9, 1 - seen))
        else:
            bow = 0.0
        lp = -99.0 if w == "<s>" else math.log10(p_uni[w])
        out.append("%.4f %s %.4f" % (lp, w, bow))
    out += ["", "\\2-grams:"]
    for (a, b), c in sorted(bi.items()):
        out.append("%.4f %s %s" % (math.log10((c - D) / uni[a]), a, b))
    out += ["", "\\end\\", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
