"""The evaluation metrics used on real data: ranking quality, recall at 1% FPR, false alarms per group, ECE."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from classifier.result import POSITIVE


def recall_at_fpr(y: np.ndarray, s: np.ndarray, fpr: float = 0.01) -> tuple[float, float]:
    """Recall of positives scored above the negative score that `fpr` of negatives exceed."""
    neg = np.sort(s[y == 0])[::-1]
    k = int(np.floor(fpr * len(neg)))
    thr = neg[k] if k < len(neg) else -np.inf
    return float(np.mean(s[y == 1] > thr)), float(thr)


def ece(y: np.ndarray, s: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width score bins."""
    idx = np.minimum((s * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.mean() * abs(s[m].mean() - y[m].mean())
    return float(total)


def band_quality(y: np.ndarray, s: np.ndarray, threshold: float) -> dict:
    """Precision and recall of `score >= threshold`."""
    dec = s >= threshold
    tp = int((dec & (y == 1)).sum())
    return {"threshold": threshold, "precision": tp / max(int(dec.sum()), 1), "recall": tp / max(int(y.sum()), 1)}


def report(labels, scores, groups=None) -> dict:
    """The metrics of the project's real-data report for labels (four categories) and scores."""
    labels = np.asarray(labels)
    s = np.asarray(scores, dtype=float)
    y = np.isin(labels, list(POSITIVE)).astype(int)
    out = {"n": int(len(y)), "positives": int(y.sum())}
    if 0 < y.sum() < len(y):
        out["roc_auc"] = float(roc_auc_score(y, s))
        out["pr_auc"] = float(average_precision_score(y, s))
        out["recall_at_1pct_fpr"], out["threshold_1pct_fpr"] = recall_at_fpr(y, s, 0.01)
    dec = s >= 0.5
    tp, fp = int((dec & (y == 1)).sum()), int((dec & (y == 0)).sum())
    # None where the figure has no rows to stand on (nothing at or above 0.5; no bait at all)
    out["at_0.5"] = {"precision": tp / (tp + fp) if tp + fp else None, "recall": tp / int(y.sum()) if y.sum() else None}
    out["ece_10"] = ece(y, s)
    if groups is not None:
        groups = np.asarray(groups)
        out["false_alarm_rate_at_0.5"] = {str(g): float(dec[(groups == g) & (y == 0)].mean())
                                          for g in sorted(set(groups[y == 0]))}
    drug = labels == "drug_courier"
    if drug.any():
        out["drug_courier"] = {"n": int(drug.sum()), "recall_at_0.5": float(dec[drug].mean())}
    return out


def format_report(r: dict) -> str:
    """The report as a few readable lines."""
    lines = [f"n={r['n']} positives={r['positives']}"]
    if "roc_auc" in r:
        lines.append(f"ROC-AUC {r['roc_auc']:.4f}   PR-AUC {r['pr_auc']:.4f}   recall@1%FPR {r['recall_at_1pct_fpr']:.3f}")
    at = r["at_0.5"]
    precision = "undefined (no row at 0.5 or above)" if at["precision"] is None else f"{at['precision']:.3f}"
    recall = "undefined (no bait rows)" if at["recall"] is None else f"{at['recall']:.3f}"
    lines.append(f"at score>=0.5: precision {precision} recall {recall}   ECE(10 bins) {r['ece_10']:.3f}")
    if "false_alarm_rate_at_0.5" in r:
        lines.append("false alarms at 0.5 by group: "
                     + ", ".join(f"{g} {v:.3f}" for g, v in r["false_alarm_rate_at_0.5"].items()))
    if "drug_courier" in r:
        lines.append(f"drug_courier n={r['drug_courier']['n']} recall@0.5 {r['drug_courier']['recall_at_0.5']:.3f}")
    return "\n".join(lines)
