#!/usr/bin/env python3
"""Build a small domain language model (ARPA, bigrams with absolute
discounting and back-off) from the corpus fragments of the tuning folds
only (pools 1-4; pool 0 is held out), for measuring decoding with a domain
language model against keyphrase spotting (docs/evaluation.md).

    tests/eval/large/domain_lm.py DICT > domain.lm

DICT is PocketSphinx's pronouncing dictionary; words it lacks are dropped.
"""

import math
import re
import sys
from collections import Counter, defaultdict

from compose import FOLDS, load

D = 0.5


def sentences():
    """The fragments of every section outside the held-out pool 0."""
    for fragments in load().values():
        for k, (_, text) in enumerate(fragments):
            if k % FOLDS != 0:
                yield text


def words(text, vocab):
    out = []
    for w in re.split(r"[^a-z0-9']+", text.lower().replace("\u2019", "'")):
        w = w.strip("'")
        if w and w in vocab:
            out.append(w)
    return out


def main():
    vocab = set()
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            vocab.add(line.split(" ", 1)[0])
    uni, bi = Counter(), Counter()
    for s in sentences():
        ws = ["<s>"] + words(s, vocab) + ["</s>"]
        uni.update(ws)
        bi.update(zip(ws, ws[1:]))
    n = sum(c for w, c in uni.items() if w != "<s>")
    v = len(uni)
    p_uni = {w: (uni[w] + 1) / (n + v) for w in uni}
    after = defaultdict(list)
    for (a, b), c in bi.items():
        after[a].append((b, c))
    out = ["\\data\\", "ngram 1=%d" % len(uni), "ngram 2=%d" % len(bi), "", "\\1-grams:"]
    for w in sorted(uni):
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
