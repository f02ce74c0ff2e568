"""Fit the pipeline, validate it honestly (near-duplicate groups never straddle folds), calibrate it."""
from __future__ import annotations

import hashlib
import importlib
import json
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from classifier.features import RiskFeatures
from classifier.result import CATEGORIES, POSITIVE

from .metrics import report
from .settings import Settings


def build_pipeline(s: Settings) -> Pipeline:
    """TF-IDF word and character n-grams plus indicators, then multinomial logistic regression."""
    features = RiskFeatures(word_ngram=s.word_ngram, char_ngram=s.char_ngram, min_df=s.min_df, max_df=s.max_df,
                            sublinear_tf=s.sublinear_tf, max_features=s.max_features, dense_weight=s.dense_weight,
                            use_flags=s.use_flags)
    clf = LogisticRegression(C=s.C, class_weight=s.class_weight, max_iter=s.max_iter, tol=1e-4)
    return Pipeline([("features", features), ("clf", clf)])


def near_duplicate_groups(texts: list[str], threshold: float = 0.6) -> np.ndarray:
    """Group id per text: texts whose character 4-gram TF-IDF cosine is at least threshold share a group."""
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), lowercase=True, dtype=np.float32).fit_transform(texts)
    sim = (X @ X.T).tocoo()
    keep = sim.data >= threshold
    graph = sp.coo_matrix((np.ones(keep.sum()), (sim.row[keep], sim.col[keep])), shape=sim.shape)
    return connected_components(graph, directed=False)[1]


def cv_groups(corpus: pd.DataFrame) -> np.ndarray:
    """Cross-validation group of every row: the project's rows by the file they come from (each file is one
    writer's voice, so a fold is scored by a model that never saw how its writer writes), user rows by
    near-duplicate group (so near-copies never sit on both sides)."""
    groups = pd.factorize(corpus["source"].astype(str))[0].astype(np.int64)
    user = (corpus["kind"] == "user").to_numpy()
    if user.any():
        near = near_duplicate_groups(corpus.loc[user, "text"].tolist())
        groups[user] = groups.max() + 1 + near
    return groups


def grouping(kinds) -> str:
    """How cv_groups groups these rows, in words (only the kinds of rows there are)."""
    kinds = set(kinds)
    parts = (["project rows by source file (one writer each)"] if kinds - {"user"} else []) + \
        (["user rows by near-duplicate group"] if "user" in kinds else [])
    return ", ".join(parts)


def positive_score(pipeline: Pipeline, texts) -> np.ndarray:
    """Uncalibrated P(drug_courier) + P(scam_recruitment)."""
    probs = pipeline.predict_proba(list(texts))
    pos = [i for i, c in enumerate(pipeline.classes_) if c in POSITIVE]
    return probs[:, pos].sum(axis=1)


def cross_validate(corpus: pd.DataFrame, s: Settings, folds: int = 5, n_jobs: int = 2):
    """Out-of-fold scores (StratifiedGroupKFold over `cv_groups`) and the model fit on everything.

    The folds and the final fit run side by side; returns (metrics, out-of-fold scores, final pipeline).
    """
    texts = corpus["text"].tolist()
    labels = corpus["label"].tolist()
    groups = cv_groups(corpus)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=s.seed)
    splits = list(splitter.split(texts, labels, groups))

    def fit(idx):
        return build_pipeline(s).fit([texts[i] for i in idx], [labels[i] for i in idx])

    def fold(train_idx, test_idx):
        return positive_score(fit(train_idx), [texts[i] for i in test_idx])

    jobs = [delayed(fold)(a, b) for a, b in splits] + [delayed(fit)(np.arange(len(texts)))]
    *fold_scores, final = Parallel(n_jobs=n_jobs)(jobs)
    oof = np.zeros(len(texts))
    for (_, test_idx), scores in zip(splits, fold_scores):
        oof[test_idx] = scores
    metrics = report(np.asarray(labels), oof)
    metrics.update(rows_of_kinds(np.asarray(labels), oof, corpus["kind"].to_numpy()))
    metrics["folds"] = folds
    metrics["grouping"] = grouping(corpus["kind"])
    metrics["groups"] = int(len(np.unique(groups)))
    return metrics, oof, final


def rows_of_kinds(labels: np.ndarray, oof: np.ndarray, kinds: np.ndarray) -> dict:
    """How the model does, held out, on the user's own rows and on moderators' verdicts (when some are there)."""
    out = {}
    for kind in ("user", "feedback"):
        rows = kinds == kind
        if rows.any() and not rows.all():
            try:
                out[f"{kind}_rows"] = report(labels[rows], oof[rows])
            except ValueError as e:  # one class only among them
                out[f"{kind}_rows"] = {"skipped": str(e)}
    return out


def fit_platt(scores: np.ndarray, y: np.ndarray, prevalence: float | None) -> dict:
    """Platt scaling of logit(score) on held-out scores, shifted to a target share of positives if given."""
    z = np.log(np.clip(scores, 1e-9, 1 - 1e-9) / np.clip(1 - scores, 1e-9, None)).reshape(-1, 1)
    lr = LogisticRegression(C=1e6).fit(z, y)
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    if prevalence:
        train_prev = float(np.mean(y))
        b += np.log(prevalence / (1 - prevalence)) - np.log(train_prev / (1 - train_prev))
    return {"a": round(a, 6), "b": round(float(b), 6), "target_prevalence": prevalence}


def corpus_fingerprint(corpus: pd.DataFrame, s: Settings) -> str:
    """Short hash of the training texts, labels and settings: the model version's build part."""
    h = hashlib.sha256()
    for t, l in zip(corpus["text"], corpus["label"]):
        h.update(t.encode())
        h.update(l.encode())
    h.update(json.dumps(s.as_dict(), sort_keys=True).encode())
    for name in ("normalize", "confusables", "flags", "features"):  # same data through changed code: another model
        h.update(Path(importlib.import_module(f"classifier.{name}").__file__).read_bytes())
    for lib in ("sklearn", "numpy", "scipy", "skops"):  # and through other libraries: another file
        h.update(f"{lib}={importlib.import_module(lib).__version__}".encode())
    return h.hexdigest()[:10]


def counts(corpus: pd.DataFrame) -> dict:
    """Counts per category, language and kind, for the card."""
    return {"total": int(len(corpus)),
            "by_label": {c: int((corpus["label"] == c).sum()) for c in CATEGORIES},
            "by_lang": {str(k): int(v) for k, v in corpus["lang"].value_counts().sort_index().items()},
            "by_kind": {str(k): int(v) for k, v in corpus["kind"].value_counts().sort_index().items()}}
