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
from .bands import calibration_and_bands
from .fit import build_pipeline, corpus_fingerprint, counts, cross_validate
from .metrics import band_quality, format_report, report
from .settings import ASSUMED_BAIT_SHARE, TUNED_C, Settings

__version__ = "0.1.0"
TUNE_C = (1.5, 5.0, 15.0, 50.0, 150.0)  # regularization tried by --tune
FEW_USER_ROWS = 500  # fewer of the user's own rows than this, and the risk bands are not calibrated for them


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


def _how_chosen(s: Settings, tuned: dict | None, prevalence: float | None, project_corpus: bool) -> dict:
    """In words, where each setting that shapes the scores came from (for the card)."""
    if tuned:
        c = f"C={s.C:g}: the best writer-grouped cross-validated PR-AUC of this run's --tune ({tuned})"
    elif s.C == Settings.C and TUNED_C:
        c = f"C={s.C:g}: chosen by `adrisk train --tune` on the project corpus, PR-AUC by C {TUNED_C}"
    else:
        c = f"C={s.C:g}: given"
    if prevalence is None:
        prior = "the training data's own share of bait (no prior given)"
    elif prevalence == ASSUMED_BAIT_SHARE and project_corpus:
        prior = (f"{prevalence:.0%}: the project's written assumption about real traffic "
                 "(training/settings.py: ASSUMED_BAIT_SHARE), not measured on any real set")
    else:
        prior = f"{prevalence:.0%}: given with --prior"
    bands = ("given" if s.medium is not None and s.high is not None else
             f"from the cross-validated scores at that prior: high = lowest score with precision >= "
             f"{s.high_precision:.0%}, medium = highest score with recall >= {s.medium_recall:.0%}")
    return {"C": c, "calibration_prior": prior, "bands": bands,
            "real_data": "none: a dev report, when present, is information only"}

def small_data_warnings(corpus: pd.DataFrame, custom: bool, cv: dict) -> list[str]:
    """Why the risk bands of this model may not be calibrated: too few of the user's own rows, or no
    cross-validation (so no calibration at all)."""
    out = []
    if "skipped" in cv:
        out.append(f"cross-validation was skipped ({cv['skipped']}), so the scores and risk bands are not "
                   f"calibrated; trained on {len(corpus)} rows")
    user = corpus[corpus["kind"] == "user"]
    if custom and len(user) < FEW_USER_ROWS:
        per_class = ", ".join(f"{k} {v}" for k, v in user["label"].value_counts().sort_index().items())
        moved = (" are chosen again on this training's cross-validation, which your rows change for the whole "
                 "corpus (new groups, new folds), and") if len(user) < len(corpus) else ""
        out.append(f"trained on {len(user)} of your rows ({per_class or 'none'}), under {FEW_USER_ROWS}: the risk "
                   f"bands{moved} are not calibrated for your data; check cross_validation.user_rows in the card")
    return out


def train(user_files=(), out_dir: Path | None = None, settings: Settings | None = None, dev: Path | None = None,
          project_corpus: bool = True, cv_folds: int = 3, log=print, text_field: str = "text",
          label_field: str = "label", tune: bool = False, prior: float | None = None,
          overrides: pd.DataFrame | None = None, card_extra: dict | None = None) -> dict:
    """Train, validate and save a model; returns its card.

    Calibration: Platt scaling on the out-of-fold scores, shifted to `prior` (default: the project's assumed
    share of bait in real traffic; trained on user files alone, their own share). Risk bands: from the same
    out-of-fold scores at that share. With tune, C is chosen among TUNE_C by cross-validated PR-AUC. No
    setting is chosen on `dev`: its report goes into the card as information. Rows of overrides (text,
    label, lang, kind, source) win over corpus rows with the same text; card_extra goes into the card."""
    s = settings or (Settings() if project_corpus else Settings(target_prevalence=None))
    if prior is not None:
        if not 0 < prior < 1:
            raise ValueError(f"--prior must be between 0 and 1, not {prior}")
        s = replace(s, target_prevalence=prior)
    started = time.perf_counter()
    corpus = build_corpus(user_files, per_label=s.generated_per_label, include_project=project_corpus,
                          text_field=text_field, label_field=label_field, overrides=overrides, log=log)
    log(f"corpus: {len(corpus)} examples ({', '.join(f'{k} {v}' for k, v in counts(corpus)['by_label'].items())})")
    y = np.isin(corpus["label"].to_numpy(), list(POSITIVE)).astype(int)
    if y.all() or not y.any():  # a model that has seen one side scores everything as that side
        have, need = ("bait", "not bait (legit_job or not_recruitment)") if y.all() else \
            ("not bait", "bait (drug_courier or scam_recruitment)")
        raise ValueError(f"every one of the {len(corpus)} rows is {have}: a model needs rows of both sides, so add "
                         f"some that are {need}")
    pipeline, tuned = None, None
    thresholds = {"medium": s.medium if s.medium is not None else 0.5, "high": s.high if s.high is not None else 0.8}
    try:
        if tune:
            s, (cv, oof, pipeline) = _tune(corpus, s, cv_folds, log)
            tuned = cv["tuned_C_pr_auc"]
        else:
            cv, oof, pipeline = cross_validate(corpus, s, cv_folds)
        log(f"cross-validation ({cv_folds} folds, {cv['grouping']}): ROC-AUC {cv.get('roc_auc', float('nan')):.4f}"
            f" PR-AUC {cv.get('pr_auc', float('nan')):.4f}")
        for kind, name in (("user", "your rows"), ("feedback", "moderators' verdicts")):
            if "roc_auc" in cv.get(f"{kind}_rows", {}):
                rows = cv[f"{kind}_rows"]
                log(f"  on {name} alone: ROC-AUC {rows['roc_auc']:.4f} PR-AUC {rows['pr_auc']:.4f}")
        calibration, thresholds = calibration_and_bands(oof, y, s)
        bands, prevalence = thresholds["cross_validated"], thresholds["cross_validated"]["prevalence"]
        log(f"bands at {prevalence:.0%} bait: medium >= {thresholds['medium']:g} "
            f"(recall {bands['medium']['recall']:.3f}), high >= {thresholds['high']:g} "
            f"(precision {bands['high']['precision']:.3f})")
    except ValueError as e:  # too few distinct groups or classes for the folds
        cv, calibration = {"skipped": str(e)}, {"a": 1.0, "b": 0.0, "target_prevalence": None}
        log(f"cross-validation skipped: {e}")
    if pipeline is None:
        pipeline = build_pipeline(s).fit(corpus["text"].tolist(), corpus["label"].tolist())
    warnings = small_data_warnings(corpus, bool(user_files), cv)
    for w in warnings:
        log(f"warning: {w}")
    fingerprint = corpus_fingerprint(corpus, s)
    card = {
        "name": "adrisk",
        "version": f"{__version__}+{fingerprint}",
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "task": "P(recruitment bait) = P(drug_courier) + P(scam_recruitment)",
        "data": counts(corpus) | {"user_files": [Path(p).name for p in user_files]},
        "settings": s.as_dict(),
        "settings_chosen_by": _how_chosen(s, tuned, s.target_prevalence, project_corpus),
        "calibration": calibration,
        "thresholds": thresholds,
        "cross_validation": cv,
        "versions": _versions(),
        "warnings": warnings,
        **(card_extra or {}),
    }
    if dev and Path(dev).exists():
        card["dev_report"] = evaluate_file(Scorer(pipeline, card), Path(dev))
        log("dev (information only): " + format_report(card["dev_report"]).replace("\n", "; "))
    card["train_seconds"] = round(time.perf_counter() - started, 1)
    if out_dir is not None:
        card = save_model(pipeline, card, Path(out_dir))
    return card
