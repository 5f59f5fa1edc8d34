#!/usr/bin/env python3
"""Build a small domain language model (ARPA, bigrams with absolute
discounting and back-off) from the corpus fragments of the tuning folds
only (pools 1-4; pool 0 is held out), for measuring decoding with a domain
language model against keyphrase spotting (docs/evaluation.md).

    tests/eval/large/domain_lm.py DICT [--leave-out K] > domain.lm

DICT is PocketSphinx's pronouncing dictionary; words it lacks are dropped.
With --leave-out K (1-4) pool K is left out too: a model for measuring on
tuning fold K as if it were held out, since every fold is built from its
own pool's fragments only (cross-validating a choice made with the model).
"""

import math
import re
import sys
from collections import Counter, defaultdict

from compose import FOLDS, load

D = 0.5


def sentences(left_out):
    """The fragments of every section outside the held-out pool 0 and the
    pools in `left_out`."""
    for fragments in load().values():
        for k, (_, text) in enumerate(fragments):
            if k % FOLDS != 0 and k % FOLDS not in left_out:
                yield text


def words(text, vocab):
    out = []
    for w in re.split(r"[^a-z0-9']+", text.lower().replace("\u2019", "'")):
        w = w.strip("'")
        if w and w in vocab:
            out.append(w)
    return out


def main():
    left_out = set()
    if len(sys.argv) == 4 and sys.argv[2] == "--leave-out" and sys.argv[3] in ("1", "2", "3", "4"):
        left_out.add(int(sys.argv[3]))
    elif len(sys.argv) != 2:
        sys.exit("usage: domain_lm.py DICT [--leave-out K], K one of 1-4")
    vocab = set()
    with open(sys.argv[1], encoding="utf-8") as f:
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
