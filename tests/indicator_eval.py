"""Per-kind precision and recall of find_indicators on the written test set (tests/data/indicators.jsonl)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from classifier.indicators import KINDS, find_indicators

DATA = Path(__file__).resolve().parent / "data" / "indicators.jsonl"


def rows() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(data: list[dict] | None = None) -> tuple[dict[str, dict], list[tuple[dict, Counter, Counter]]]:
    """{kind: {tp, fp, fn, precision, recall}} and the rows with misses (row, missed, extra)."""
    tp, fp, fn = Counter(), Counter(), Counter()
    errors = []
    for row in data if data is not None else rows():
        gold = Counter((g["kind"], g["normalized"]) for g in row["indicators"])
        found = Counter((i.kind, i.normalized) for i in find_indicators(row["text"], reveal=True))
        hit = gold & found
        for (kind, _), n in hit.items():
            tp[kind] += n
        missed, extra = gold - found, found - gold
        for (kind, _), n in missed.items():
            fn[kind] += n
        for (kind, _), n in extra.items():
            fp[kind] += n
        if missed or extra:
            errors.append((row, missed, extra))
    table = {}
    for kind in KINDS:
        t, p, n = tp[kind], fp[kind], fn[kind]
        table[kind] = {"tp": t, "fp": p, "fn": n, "precision": t / (t + p) if t + p else 1.0,
                       "recall": t / (t + n) if t + n else 1.0}
    return table, errors


def format_table(table: dict[str, dict]) -> str:
    lines = [f"{'kind':<17}{'gold':>6}{'found':>7}{'tp':>6}{'precision':>11}{'recall':>8}"]
    for kind, r in table.items():
        lines.append(f"{kind:<17}{r['tp'] + r['fn']:>6}{r['tp'] + r['fp']:>7}{r['tp']:>6}{r['precision']:>11.3f}{r['recall']:>8.3f}")
    return "\n".join(lines)
