"""One training run: corpus → cross-validation → final fit → calibration → model card → atomic save."""
from __future__ import annotations

import datetime as dt
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.artifact import save_model
from classifier.result import POSITIVE
from classifier.scorer import Scorer

from .corpus import build_corpus, read_labelled
from .fit import build_pipeline, corpus_fingerprint, counts, cross_validate, fit_platt
from .metrics import band_quality, report
from .settings import Settings

__version__ = "0.1.0"
TUNE_C = (1.5, 5.0, 15.0, 50.0, 150.0)  # regularization tried by --tune


def _versions() -> dict:
    import sklearn
    import skops

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "skops": skops.__version__,
            "numpy": np.__version__, "pandas": pd.__version__}


def evaluate_file(scorer: Scorer, path: Path, text_field: str = "text", label_field: str = "label") -> dict:
    """The real-data report of scorer on a labelled JSONL/CSV file (with `group` when the file has it)."""
    frame = read_labelled(path, "eval", text_field, label_field)
    groups = frame["group"].astype(str).tolist() if "group" in frame else None
    scores = scorer.scores(frame["text"].tolist())
    out = report(frame["label"].to_numpy(), scores, groups)
    y = np.isin(frame["label"].to_numpy(), list(POSITIVE)).astype(int)
    out["bands"] = {"medium": band_quality(y, scores, scorer.medium), "high": band_quality(y, scores, scorer.high)}
    return out


def _tune(corpus: pd.DataFrame, s: Settings, folds: int, log):
    """The settings with the C of best cross-validated PR-AUC, and that C's cross-validation."""
    best, tried = None, {}
    for c in TUNE_C:
        result = cross_validate(corpus, replace(s, C=c), folds)
        tried[str(c)] = round(result[0]["pr_auc"], 4)
        if best is None or result[0]["pr_auc"] > best[1][0]["pr_auc"]:
            best = (c, result)
    log(f"C by cross-validated PR-AUC: {tried} -> {best[0]:g}")
    best[1][0]["tuned_C_pr_auc"] = tried
    return replace(s, C=best[0]), best[1]


def train(user_files=(), out_dir: Path | None = None, settings: Settings | None = None, dev: Path | None = None,
          project_corpus: bool = True, cv_folds: int = 3, log=print, text_field: str = "text",
          label_field: str = "label", tune: bool = False, overrides: pd.DataFrame | None = None,
          card_extra: dict | None = None) -> dict:
    """Train, validate and save a model; returns its card. Trained on user files alone, the calibration keeps
    their own share of positives (the default prior describes the project corpus against real traffic).
    With tune, C is chosen among TUNE_C by cross-validated PR-AUC on the training data. Rows of overrides
    (text, label, lang, kind, source) win over corpus rows with the same text; card_extra goes into the card."""
    s = settings or (Settings() if project_corpus else Settings(target_prevalence=None))
    started = time.perf_counter()
    corpus = build_corpus(user_files, per_label=s.generated_per_label, include_project=project_corpus,
                          text_field=text_field, label_field=label_field, overrides=overrides)
    log(f"corpus: {len(corpus)} examples ({', '.join(f'{k} {v}' for k, v in counts(corpus)['by_label'].items())})")
    y = np.isin(corpus["label"].to_numpy(), list(POSITIVE)).astype(int)
    pipeline = None
    try:
        if tune:
            s, (cv, oof, pipeline) = _tune(corpus, s, cv_folds, log)
        else:
            cv, oof, pipeline = cross_validate(corpus, s, cv_folds)
        log(f"cross-validation ({cv_folds} folds by near-duplicate group): ROC-AUC {cv.get('roc_auc', float('nan')):.4f}"
            f" PR-AUC {cv.get('pr_auc', float('nan')):.4f}")
        for kind, name in (("user", "your rows"), ("feedback", "moderators' verdicts")):
            if "roc_auc" in cv.get(f"{kind}_rows", {}):
                rows = cv[f"{kind}_rows"]
                log(f"  on {name} alone: ROC-AUC {rows['roc_auc']:.4f} PR-AUC {rows['pr_auc']:.4f}")
        calibration = fit_platt(oof, y, s.target_prevalence)
    except ValueError as e:  # too few distinct groups or classes for the folds
        cv, calibration = {"skipped": str(e)}, {"a": 1.0, "b": 0.0, "target_prevalence": None}
        log(f"cross-validation skipped: {e}")
    if pipeline is None:
        pipeline = build_pipeline(s).fit(corpus["text"].tolist(), corpus["label"].tolist())
    fingerprint = corpus_fingerprint(corpus, s)
    card = {
        "name": "adrisk",
        "version": f"{__version__}+{fingerprint}",
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "task": "P(recruitment bait) = P(drug_courier) + P(scam_recruitment)",
        "data": counts(corpus) | {"user_files": [Path(p).name for p in user_files]},
        "settings": s.as_dict(),
        "calibration": calibration,
        "thresholds": {"medium": s.medium, "high": s.high},
        "cross_validation": cv,
        "versions": _versions(),
        **(card_extra or {}),
    }
    if dev and Path(dev).exists():
        scorer = Scorer(pipeline, card)
        card["dev_report"] = evaluate_file(scorer, Path(dev))
        card["thresholds"] = {"medium": s.medium, "high": s.high, **{
            f"{k}_measured_on_dev": v for k, v in card["dev_report"]["bands"].items()}}
        log(f"dev: ROC-AUC {card['dev_report']['roc_auc']:.4f} PR-AUC {card['dev_report']['pr_auc']:.4f} "
            f"recall@1%FPR {card['dev_report']['recall_at_1pct_fpr']:.3f} ECE {card['dev_report']['ece_10']:.3f}")
    card["train_seconds"] = round(time.perf_counter() - started, 1)
    if out_dir is not None:
        card = save_model(pipeline, card, Path(out_dir))
    return card
