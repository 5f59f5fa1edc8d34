#!/usr/bin/env python3
"""Adapt PocketSphinx's acoustic model to the telephone line by MAP
(maximum a posteriori) re-estimation on the caller audio of the tuning
folds of a rendered large corpus, for measuring whether adaptation closes
the gap between the recognizer and reference transcripts
(docs/evaluation.md). Fold 0, the held-out part, is never used.

    tests/eval/large/adapt_model.py CORPUS OUT [--folds 1,2,3,4] [--skip-voice V]

CORPUS is a rendered corpus (tests/eval/make.sh's output), OUT a new model
directory to write: use it as `[speech] model_dir` (it holds `en-us/`, the
adapted acoustic model, and links to the dictionary and language model).
--folds chooses the folds whose audio is used (fold = the number ending
the fixture's name mod 5; 0 is refused); --skip-voice leaves out the calls
whose caller voice is V (as in the fixture's notes, e.g. "hibari"), so that
a voice can be measured as one the model was never adapted on.

Needs Debian's sphinxtrain (bw, map_adapt), sphinxbase-utils (sphinx_fe),
pocketsphinx (pocketsphinx_mdef_convert), sox and python3-numpy. Each
caller line of a fixture's transcript.txt is cut from caller.wav (150 ms
either side), brought to 16 kHz, and aligned with its words; lines with a
word the dictionary lacks are left out.
"""

import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

from domain_lm import tokens

MODEL = "/usr/share/pocketsphinx/model/en-us"
SPHINXTRAIN = "/usr/lib/sphinxtrain"
PAD_MS = 150


def sendump_to_mixw(sendump, out):
    """Debian's model keeps its mixture weights only quantized (`sendump`);
    bw and map_adapt read them as a Sphinx-III `mixture_weights` file."""
    with open(sendump, "rb") as f:
        order = ["<I"]

        def u32():
            raw = f.read(4)
            n = struct.unpack(order[0], raw)[0]
            if n > 65536:
                order[0] = ">I"
                n = struct.unpack(order[0], raw)[0]
            return n

        def text():
            n = u32()
            return None if n == 0 else f.read(n)[:-1].decode()

        text()
        header = {}
        while (line := text()) is not None:
            parts = line.split()
            if len(parts) == 2:
                header[parts[0]] = parts[1]
        shift = int(header.get("mixw_shift", 10))
        features = int(header["feature_count"])
        if int(header.get("cluster_count", 0)) != 0:
            sys.exit("sendump: clustered mixture weights are not supported")
        densities, senones = u32(), u32()
        weights = np.empty((senones, features, densities))
        for i in range(features):
            for j in range(densities):
                row = np.frombuffer(f.read(senones), dtype=np.uint8).astype(np.int64)
                weights[:, i, j] = np.power(1.0001, -(row << shift).astype(np.float64))
    weights /= weights.sum(axis=2, keepdims=True)
    with open(out, "wb") as o:
        o.write(b"s3\nversion 1.0\n")
        pad = (o.tell() + len("endhdr\n")) & 3
        o.write((b" " * (4 - pad) if pad else b"") + b"endhdr\n")
        o.write(struct.pack("=i", 0x11223344))
        o.write(struct.pack("=IIII", *weights.shape, weights.size))
        weights.astype("<f4").tofile(o)


def utterances(corpus, folds, skip_voice, vocab):
    """(fixture, line number, start ms, end ms, words) of every caller line
    to adapt on."""
    for name in sorted(os.listdir(corpus)):
        m = re.search(r"(\d+)$", name)
        if not m or int(m.group(1)) % 5 not in folds:
            continue
        notes = open(os.path.join(corpus, name, "call.toml"), encoding="utf-8").read()
        voice = re.search(r"caller (\S+),", notes)
        if skip_voice and voice and voice.group(1) == skip_voice:
            continue
        path = os.path.join(corpus, name, "transcript.txt")
        for i, line in enumerate(open(path, encoding="utf-8")):
            parts = line.split(" ", 3)
            if len(parts) < 4 or parts[2] != "caller":
                continue
            words = tokens(parts[3])
            if words and all(w in vocab for w in words):
                yield name, i, int(parts[0]), int(parts[1]), words


def run(args, log):
    with open(log, "a", encoding="utf-8") as f:
        subprocess.run(args, check=True, stdout=f, stderr=subprocess.STDOUT)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--folds", default="1,2,3,4")
    ap.add_argument("--skip-voice")
    a = ap.parse_args()
    folds = {int(k) for k in a.folds.split(",")}
    if not folds or not folds <= {1, 2, 3, 4}:
        sys.exit("--folds: tuning folds only, from 1-4 (fold 0 is held out)")
    if os.path.exists(a.out):
        sys.exit(f"{a.out}: already exists")
    dictionary = os.path.join(MODEL, "cmudict-en-us.dict")
    vocab = {line.split(" ", 1)[0] for line in open(dictionary, encoding="utf-8")}

    work = tempfile.mkdtemp(prefix="adapt-")
    log = os.path.join(work, "log.txt")
    base = os.path.join(work, "en-us")
    shutil.copytree(os.path.join(MODEL, "en-us"), base)
    run(["pocketsphinx_mdef_convert", "-text", f"{base}/mdef", f"{base}/mdef.txt"], log)
    sendump_to_mixw(f"{base}/sendump", f"{base}/mixture_weights")

    ids, lines = [], []
    os.makedirs(os.path.join(work, "wav"))
    for name, i, start, end, words in utterances(a.corpus, folds, a.skip_voice, vocab):
        utt = f"wav/{name}-{i}"
        begin, stop = max(0, start - PAD_MS) / 1000, (end + PAD_MS) / 1000
        src = os.path.join(a.corpus, name, "caller.wav")
        # -R: no random dither when resampling, so the same corpus gives the
        # same model (with dither, two runs gave models that heard up to 3
        # scams in 40 differently).
        run(["sox", "-R", src, "-r", "16000", f"{work}/{utt}.wav", "trim", str(begin), f"={stop}"], log)
        ids.append(utt)
        lines.append(f"<s> {' '.join(words)} </s> ({utt})")
    if not ids:
        sys.exit(f"{a.corpus}: no caller lines to adapt on")
    with open(f"{work}/adapt.fileids", "w", encoding="utf-8") as f:
        f.write("\n".join(ids) + "\n")
    with open(f"{work}/adapt.transcription", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    run(["sphinx_fe", "-argfile", f"{base}/feat.params", "-samprate", "16000",
         "-c", f"{work}/adapt.fileids", "-di", work, "-do", work,
         "-ei", "wav", "-eo", "mfc", "-mswav", "yes"], log)
    run([f"{SPHINXTRAIN}/bw", "-hmmdir", base, "-moddeffn", f"{base}/mdef.txt",
         "-ts2cbfn", ".ptm.", "-feat", "1s_c_d_dd", "-svspec", "0-12/13-25/26-38",
         "-cmn", "current", "-agc", "none", "-dictfn", dictionary,
         "-fdictfn", f"{base}/noisedict", "-ctlfn", f"{work}/adapt.fileids",
         "-cepdir", work, "-lsnfn", f"{work}/adapt.transcription",
         "-accumdir", work], log)
    model = os.path.join(a.out, "en-us")
    os.makedirs(model)
    run([f"{SPHINXTRAIN}/map_adapt", "-moddeffn", f"{base}/mdef.txt", "-ts2cbfn", ".ptm.",
         "-meanfn", f"{base}/means", "-varfn", f"{base}/variances",
         "-mixwfn", f"{base}/mixture_weights", "-tmatfn", f"{base}/transition_matrices",
         "-accumdir", work, "-mapmeanfn", f"{model}/means",
         "-mapvarfn", f"{model}/variances", "-mapmixwfn", f"{model}/mixture_weights",
         "-maptmatfn", f"{model}/transition_matrices"], log)
    for kept in ("mdef", "feat.params", "noisedict"):
        shutil.copy(f"{base}/{kept}", model)
    for shared in ("cmudict-en-us.dict", "en-us.lm.bin"):
        os.symlink(os.path.join(MODEL, shared), os.path.join(a.out, shared))
    shutil.rmtree(work)
    print(f"{a.out}: adapted on {len(ids)} caller lines of folds {sorted(folds)}"
          + (f", without the voice {a.skip_voice}" if a.skip_voice else ""))


if __name__ == "__main__":
    main()
