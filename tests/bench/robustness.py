"""Robustness benchmark: how often a disguise pushes a caught positive below 0.5, and what normalization costs.

usage: python tests/bench/robustness.py LABELLED.jsonl [PERTURB.py]
Uses the evaluation kit's perturb.py when given (or found beside the data), plus the project's own evasion family.
"""
from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np

from classifier.evasions import KINDS, perturb
from classifier.normalize import normalize_with_stats
from classifier.result import POSITIVE
from classifier.scorer import Scorer


def load_kit(path: Path):
    spec = importlib.util.spec_from_file_location("perturb_kit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(data: str, kit_path: str | None = None) -> None:
    rows = [json.loads(l) for l in open(data, encoding="utf-8") if l.strip()]
    kit_file = Path(kit_path) if kit_path else Path(data).resolve().parent.parent / "eval" / "perturb.py"
    kit = load_kit(kit_file) if kit_file.exists() else None
    scorer = Scorer.load()
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] in POSITIVE for r in rows])
    t0 = time.perf_counter()
    clean = scorer.scores(texts)
    total = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        normalize_with_stats(t)
    norm = time.perf_counter() - t0
    caught = y & (clean >= 0.5)
    print(f"rows {len(rows)}, positives {y.sum()}, caught clean {caught.sum()}, "
          f"false alarms on clean negatives {np.mean(clean[~y] >= 0.5):.4f}")
    print(f"normalization share of scoring time: {norm / total:.1%} ({norm:.2f} s of {total:.2f} s)")
    print(f"{'kind':<26}{'attack success':>16}{'FA on perturbed negatives':>28}")
    kinds = [(f"kit:{k}", lambda t, i, k=k: kit.perturb(k, {"id": i, "text": t})["text"]) for k in (kit.KINDS if kit else [])]
    kinds += [(f"own:{k}", lambda t, i, k=k: perturb(k, t, str(i))) for k in KINDS]
    worst = 0.0
    for name, fn in kinds:
        pert = scorer.scores([fn(r["text"], r["id"]) for r in rows])
        success = float(np.mean(pert[caught] < 0.5)) if caught.any() else 0.0
        worst = max(worst, success)
        print(f"{name:<26}{success:>16.4f}{np.mean(pert[~y] >= 0.5):>28.4f}")
    print(f"worst attack success {worst:.4f} (goal <= 0.02)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(*sys.argv[1:3])
