"""Throughput and memory benchmark for batch scoring. Prints figures; asserts nothing.

usage: python tests/bench/bench_score.py [--mb 4]
- MB/s and ads/s on the same 2 MB of distinct texts, one core: the batch fast path with a warm token table
  (every token seen before, as in a long stream) and a cold one (every token new), Result objects with and
  without reasons, the scikit-learn pipeline of the same model, and a plain reference pipeline (char_wb 2-5 +
  word 1-2 TF-IDF + logistic regression, no normalization);
- peak RSS of `adrisk score` on an input of N MB and of 10 x N MB;
- wall time of `adrisk score --workers 1` and `--workers 2`.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from classifier.scorer import Scorer
from training.corpus import written_examples

ADRISK = str(Path(sys.executable).parent / "adrisk")


def texts_of_size(texts: list[str], megabytes: float) -> list[str]:
    out, size, i = [], 0, 0
    while size < megabytes * 1e6:
        t = texts[i % len(texts)]
        out.append(t)
        size += len(t.encode())
        i += 1
    return out


def rate(fn, texts) -> tuple[float, float]:
    started = time.perf_counter()
    fn(texts)
    elapsed = time.perf_counter() - started
    return sum(len(t.encode()) for t in texts) / 1e6 / elapsed, len(texts) / elapsed


def peak_rss_mb(args: list[str]) -> tuple[float, float]:
    """Peak RSS (MiB) and wall time of a command run in its own child process."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / 1024, float(out[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=4.0)
    args = ap.parse_args()
    corpus = written_examples()
    texts = corpus["text"].tolist()
    sample = texts_of_size(texts, 2.0)
    scorer = Scorer.load()
    reference = make_pipeline(make_union(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                                         TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
                              LogisticRegression(max_iter=1000)).fit(texts, corpus["label"])
    print(f"one core, {len(sample)} ads, {sum(len(t.encode()) for t in sample) / 1e6:.1f} MB of distinct text")
    cold = Scorer.load()
    cold.probabilities(["warm up the compiled loops"])
    rates = {}
    fifth = sample[: len(sample) // 5]
    for name, fn, texts_ in [("fast path, cold token table", cold.probabilities, sample),
                             ("fast path, warm token table", cold.probabilities, sample),
                             ("results without reasons (warm)", lambda t: cold.score(t, explain=False), sample),
                             ("results with reasons", lambda t: scorer.score(t, explain=True), fifth),
                             ("scikit-learn pipeline", scorer.pipeline.predict_proba, fifth),
                             ("plain reference pipeline", reference.predict_proba, sample)]:
        rates[name] = rate(fn, texts_)
        print(f"  {name:<34}{rates[name][0]:8.2f} MB/s {rates[name][1]:9.0f} ads/s")
    plain = rates["plain reference pipeline"][0]
    for name in ("fast path, warm token table", "fast path, cold token table"):
        print(f"  {name}: {rates[name][0] / plain:.1f}x the plain reference pipeline")
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for factor in (1, 10):
            path = Path(tmp) / f"in_{factor}.jsonl"
            with open(path, "w", encoding="utf-8") as f:
                for i, t in enumerate(texts_of_size(texts, args.mb * factor)):
                    f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
            paths[factor] = path
            rss, wall = peak_rss_mb([ADRISK, "score", str(path), "-o", str(Path(tmp) / "out.jsonl"), "--no-reasons"])
            print(f"  adrisk score --no-reasons, {args.mb * factor:g} MB JSONL: peak RSS {rss:.0f} MiB, {wall:.1f} s "
                  f"({args.mb * factor / wall:.2f} MB/s end to end, start-up included)")
        for workers in (1, 2):
            rss, wall = peak_rss_mb([ADRISK, "score", str(paths[1]), "-o", str(Path(tmp) / "out.jsonl"),
                                     "--no-reasons", "--workers", str(workers)])
            print(f"  --workers {workers}: {wall:.1f} s for {args.mb:g} MB ({args.mb / wall:.2f} MB/s)")


if __name__ == "__main__":
    main()
