"""Indicator extraction benchmark. Prints figures; asserts nothing.

usage: python tests/bench/bench_indicators.py
- the per-kind precision/recall table on the written test set (tests/data/indicators.jsonl);
- MB/s of find_indicators over the project corpus (training.corpus.written_examples()), over its texts that
  the cheap check skips, and over those it does not;
- what indicators add to batch scoring without reasons (Scorer.records, warm token table).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier import indicators  # noqa: E402
from classifier.indicators import find_indicators, might_have_indicators  # noqa: E402
from indicator_eval import evaluate, format_table  # noqa: E402
from training.corpus import written_examples  # noqa: E402


def rate(texts: list[str], fn, repeat: int = 3) -> float:
    size = sum(len(t.encode()) for t in texts) / 1e6
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, time.perf_counter() - started)
    return size / best


def main() -> None:
    table, errors = evaluate()
    print(format_table(table))
    print(f"texts with a miss or an extra: {len(errors)}\n")
    texts = written_examples()["text"].tolist()
    skipped = [t for t in texts if not might_have_indicators(t)]
    searched = [t for t in texts if might_have_indicators(t)]
    found = sum(len(find_indicators(t)) for t in texts)
    size = sum(len(t.encode()) for t in texts) / 1e6
    print(f"corpus: {len(texts)} texts, {size:.2f} MB, {found} indicators; cheap check skips {len(skipped)} "
          f"({len(skipped) / len(texts):.0%})")
    print(f"find_indicators, whole corpus:        {rate(texts, find_indicators):7.1f} MB/s")
    print(f"  texts the cheap check skips:        {rate(skipped, find_indicators):7.1f} MB/s")
    print(f"  texts it searches:                  {rate(searched, find_indicators):7.1f} MB/s")

    from classifier.scorer import Scorer

    scorer = Scorer.load()
    scorer.records(texts)  # warm the token table
    started = time.perf_counter()
    scorer.records(texts)
    with_ind = time.perf_counter() - started
    original = indicators.find_indicators
    import classifier.scorer as scorer_module

    scorer_module.find_indicators = lambda text, reveal=False, as_dicts=False: []
    try:
        started = time.perf_counter()
        scorer.records(texts)
        without = time.perf_counter() - started
    finally:
        scorer_module.find_indicators = original
    print(f"Scorer.records (warm), with indicators: {size / with_ind:6.1f} MB/s; without: {size / without:6.1f} MB/s")


if __name__ == "__main__":
    main()
