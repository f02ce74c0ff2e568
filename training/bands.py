"""Risk bands chosen on cross-validated scores, at an assumed share of bait in real traffic.

Precision depends on how much bait the scored stream holds, so it is measured as it would be at `prevalence`:
each class keeps its own rate of scores above a threshold, and the classes are mixed in that proportion.

>>> import numpy as np
>>> y = np.array([0] * 90 + [1] * 10); s = np.r_[np.linspace(0, 0.6, 90), np.linspace(0.5, 1, 10)]
>>> choose_bands(s, y, prevalence=0.1, precision=0.9, recall=0.9)["high"]["threshold"]
0.61
"""
from __future__ import annotations

import numpy as np


def rates(scores: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of positives, share of negatives) scored at or above threshold."""
    hit = scores >= threshold
    return float(hit[y == 1].mean()), float(hit[y == 0].mean())


def precision_at(tpr: float, fpr: float, prevalence: float) -> float:
    """Precision of a rule with these rates on a stream holding `prevalence` positives."""
    found = tpr * prevalence
    return found / (found + fpr * (1 - prevalence)) if found + fpr > 0 else 1.0


def choose_bands(scores, y, prevalence: float, precision: float = 0.95, recall: float = 0.90,
                 grid: np.ndarray | None = None) -> dict:
    """`high`: the lowest threshold whose precision at prevalence reaches `precision`; `medium`: the highest
    threshold that keeps `recall`, never above high. Each with its measured precision and recall."""
    scores, y = np.asarray(scores, dtype=float), np.asarray(y).astype(int)
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2) if grid is None else grid
    measured = {float(t): rates(scores, y, t) for t in grid}
    high = next((t for t in grid if precision_at(*measured[float(t)], prevalence) >= precision), grid[-1])
    medium = max((t for t in grid if measured[float(t)][0] >= recall and t <= high), default=grid[0])

    def quality(t: float) -> dict:
        tpr, fpr = measured[float(t)]
        return {"threshold": float(t), "precision": round(precision_at(tpr, fpr, prevalence), 4),
                "recall": round(tpr, 4), "false_alarm_rate": round(fpr, 4)}

    return {"medium": quality(medium), "high": quality(high), "prevalence": prevalence,
            "target": {"high_precision": precision, "medium_recall": recall}}


def calibrated(oof: np.ndarray, calibration: dict) -> np.ndarray:
    """Scores after the card's Platt scaling (as the scorer applies it to P(bait))."""
    z = np.log(np.clip(oof, 1e-9, 1 - 1e-9) / np.clip(1 - oof, 1e-9, None))
    return 1.0 / (1.0 + np.exp(-(calibration["a"] * z + calibration["b"])))


def calibration_and_bands(oof: np.ndarray, y: np.ndarray, s) -> tuple[dict, dict]:
    """(calibration, thresholds) for a card, from out-of-fold scores and Settings s: Platt scaling shifted to
    s.target_prevalence (the data's own share when None), and bands chosen at that share unless s fixes them."""
    from .fit import fit_platt

    calibration = fit_platt(oof, y, s.target_prevalence)
    prevalence = s.target_prevalence or float(np.mean(y))
    bands = choose_bands(calibrated(oof, calibration), y, prevalence, s.high_precision, s.medium_recall)
    return calibration, {"medium": s.medium if s.medium is not None else bands["medium"]["threshold"],
                         "high": s.high if s.high is not None else bands["high"]["threshold"],
                         "cross_validated": bands}
