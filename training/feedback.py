"""Retrain from moderators' verdicts: `adrisk train --feedback DB_URL` (project corpus + verdicts).

Two ways, chosen by what the store holds:

- every verdict's text is stored (ADRISK_STORE_TEXT on): a full retrain, vocabulary and all, on the project
  corpus plus the verdicts (a verdict's label wins over a corpus row with the same text);
- some texts are not stored: the base model's features step is kept as it is (vocabulary, idf) and only the
  classifier is refitted, on the corpus's rows under that vocabulary plus the verdicts' stored feature bags.
  Bags taken under another vocabulary cannot be read by this one and are skipped (the card counts them).

Either way the model goes to a new folder with a card whose `feedback` section counts the verdicts used.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from classifier.artifact import CARD_FILE, load_model, save_model
from classifier.featurebag import rows as bag_rows
from classifier.featurebag import vocabulary_fingerprint
from classifier.result import CATEGORIES, POSITIVE
from classifier.scorer import Scorer

from .corpus import DataError, build_corpus
from .bands import calibration_and_bands
from .fit import build_pipeline, counts, near_duplicate_groups, rows_of_kinds
from .metrics import report
from .settings import Settings
from .train import __version__, _versions, evaluate_file
from .train import train as full_train

FEW_VERDICTS = 50  # beside the corpus's ~19,000 rows, fewer verdicts than this barely move the model


def store_url(value: str) -> str:
    """A database URL, or a path to a SQLite file."""
    return value if "://" in value else f"sqlite:///{Path(value).resolve()}"


def read_verdicts(url: str) -> list:
    """The store's current bait / not_bait verdicts, one per distinct text (the newest item's wins)."""
    from sqlalchemy.exc import SQLAlchemyError

    from api.store import Store, redact

    try:
        store = Store(url)
        try:
            rows = list(store.training_rows())
        finally:
            store.close()
    except SQLAlchemyError as e:
        raise DataError(f"cannot read verdicts from {redact(url)}: {type(e).__name__}: {str(e).splitlines()[0]}") from None
    latest = {}
    for row in rows:  # ordered by item id: a later item with the same text replaces the earlier
        latest[row.text_sha256] = row
    return list(latest.values())


def settings_from_card(card: dict) -> Settings:
    known = {f.name for f in fields(Settings)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in card.get("settings", {}).items() if k in known}
    return Settings(**values)


def _feedback_section(url: str, rows: list, used: list, mode: str, base: dict | None, skipped: dict) -> dict:
    from api.store import redact

    return {"source": redact(url), "mode": mode, "verdicts_used": len(used),
            "by_verdict": dict(sorted(Counter(r.verdict for r in used).items())),
            "by_label": {c: sum(r.label == c for r in used) for c in CATEGORIES},
            "with_text": sum(r.text is not None for r in used), "read": len(rows), "skipped": skipped,
            "base_model": base.get("version") if base else None}


def train_from_feedback(url: str, out_dir: Path, base_model: Path | None = None, user_files=(), cv_folds: int = 3,
                        dev: Path | None = None, log=print) -> dict:
    """Train on the project corpus (+ user files) and the store's verdicts; write the model to out_dir, which
    must not hold a model yet. Returns the card."""
    out_dir = Path(out_dir)
    if (out_dir / CARD_FILE).exists():
        raise DataError(f"{out_dir} already holds a model; retraining from feedback writes a new folder")
    rows = read_verdicts(url)
    if not rows:
        raise DataError("no verdicts to learn from (bait or not_bait, not retracted) in the store")
    log(f"verdicts: {len(rows)} ({', '.join(f'{k} {v}' for k, v in sorted(Counter(r.verdict for r in rows).items()))})")
    if len(rows) < FEW_VERDICTS:
        log(few_verdicts_warning(len(rows)))
    if all(r.text is not None for r in rows):
        base_card = load_model(base_model)[1] if base_model else None
        overrides = pd.DataFrame({"text": [r.text for r in rows], "label": [r.label for r in rows], "lang": "unknown",
                                  "kind": "feedback", "source": "verdicts"})
        extra = {"feedback": _feedback_section(url, rows, rows, "full", base_card, {})}
        return full_train(user_files, out_dir, dev=dev, cv_folds=cv_folds, log=log, overrides=overrides,
                          card_extra=extra)
    return _refit(url, rows, out_dir, base_model, user_files, cv_folds, dev, log)


def few_verdicts_warning(n: int) -> str:
    return (f"warning: {n} verdict{'s' if n != 1 else ''} beside the project corpus's thousands of rows barely move "
            f"the model; retraining pays off after a few hundred (at least {FEW_VERDICTS})")


def _refit(url, rows, out_dir, base_model, user_files, cv_folds, dev, log) -> dict:
    """Refit the classifier on the base model's vocabulary: corpus rows and feature bags side by side."""
    import time

    started = time.perf_counter()
    pipeline, base_card = load_model(base_model)
    features = pipeline.named_steps["features"]
    compiled = Scorer(pipeline, base_card).compiled  # what the server took the bags with
    vocabulary = vocabulary_fingerprint(compiled)
    used = [r for r in rows if r.text is not None or (r.vocabulary == vocabulary and r.features)]
    skipped = {"other_vocabulary": len(rows) - len(used)}
    if skipped["other_vocabulary"]:
        log(f"skipped {skipped['other_vocabulary']} verdicts whose features were taken by another model's vocabulary")
    if not used:
        raise DataError(f"none of the verdicts can be read by the base model {base_card.get('version')} "
                        "(their features were taken under another vocabulary)")
    s = settings_from_card(base_card)
    shas = {r.text_sha256 for r in used}
    corpus = build_corpus(user_files, per_label=s.generated_per_label)
    corpus = corpus[[hashlib.sha256(t.encode("utf-8", "surrogatepass")).hexdigest() not in shas
                     for t in corpus["text"]]].reset_index(drop=True)  # a verdict wins over the same text
    with_text = [r for r in used if r.text is not None]
    bags = [r for r in used if r.text is None]
    texts = corpus["text"].tolist() + [r.text for r in with_text]
    log(f"refitting on the vocabulary of {base_card.get('version')}: {len(corpus)} corpus rows, "
        f"{len(with_text)} verdicts with text, {len(bags)} from feature bags")
    X = sp.vstack([features.transform(texts), bag_rows(compiled, [r.features for r in bags])], format="csr")
    labels = np.asarray(corpus["label"].tolist() + [r.label for r in with_text] + [r.label for r in bags])
    kinds = np.asarray(corpus["kind"].tolist() + ["feedback"] * len(used))
    text_groups = near_duplicate_groups(texts)  # a bag has no text: each is its own group
    groups = np.concatenate([text_groups, text_groups.max() + 1 + np.arange(len(bags))])
    cv, oof, clf = _cross_validate(X, labels, groups, kinds, s, cv_folds)
    y = np.isin(labels, list(POSITIVE)).astype(int)
    calibration, thresholds = calibration_and_bands(oof, y, s)
    log(f"cross-validation ({cv_folds} folds by near-duplicate group, on the base model's vocabulary, so higher "
        f"than a full training's folds by writer and not comparable with them): ROC-AUC {cv['roc_auc']:.4f} "
        f"PR-AUC {cv['pr_auc']:.4f}")
    new = Pipeline([("features", features), ("clf", clf)])
    frame = pd.DataFrame({"label": labels, "kind": kinds,
                          "lang": corpus["lang"].tolist() + ["unknown"] * len(used)})
    digest = hashlib.sha256(str(base_card.get("version")).encode())
    for r in used:
        digest.update(f"{r.text_sha256}:{r.label};".encode())
    card = {
        "name": "adrisk",
        "version": f"{__version__}+{digest.hexdigest()[:10]}",
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "task": base_card.get("task", "P(recruitment bait) = P(drug_courier) + P(scam_recruitment)"),
        "data": counts(frame) | {"user_files": [Path(p).name for p in user_files]},
        "settings": s.as_dict(),
        "calibration": calibration,
        "thresholds": thresholds,
        "cross_validation": cv,
        "versions": _versions(),
        "feedback": _feedback_section(url, rows, used, "fixed_vocabulary", base_card, skipped),
    }
    if dev and Path(dev).exists():
        card["dev_report"] = evaluate_file(Scorer(new, card), Path(dev))
    card["train_seconds"] = round(time.perf_counter() - started, 1)
    return save_model(new, card, out_dir)


def _cross_validate(X, labels, groups, kinds, s: Settings, folds: int):
    """Out-of-fold P(bait) by group folds, their metrics, and the classifier fit on every row (in parallel)."""
    splits = list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=s.seed).split(X, labels, groups))

    def fit(idx):
        return build_pipeline(s).named_steps["clf"].fit(X[idx], labels[idx])

    def fold(train_idx, test_idx):
        clf = fit(train_idx)
        pos = [i for i, c in enumerate(clf.classes_) if c in POSITIVE]
        return clf.predict_proba(X[test_idx])[:, pos].sum(axis=1)

    jobs = [delayed(fold)(a, b) for a, b in splits] + [delayed(fit)(np.arange(X.shape[0]))]
    *scores, final = Parallel(n_jobs=2)(jobs)
    oof = np.zeros(X.shape[0])
    for (_, test_idx), part in zip(splits, scores):
        oof[test_idx] = part
    metrics = report(labels, oof) | rows_of_kinds(labels, oof, kinds)
    metrics |= {"folds": folds, "near_duplicate_groups": int(groups.max() + 1)}
    return metrics, oof, final


def default_out_dir(served: Path) -> Path:
    """A new folder named for the time, never the served one: inside the project's models/ folder
    (models/feedback-20250101T120000Z), else beside the served model (DIR-feedback-20250101T120000Z)."""
    served = Path(served)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    if served.name == "models":
        return served / f"feedback-{stamp}"
    return served.parent / f"{served.name}-feedback-{stamp}"
