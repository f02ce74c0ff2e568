"""Score texts with a trained model and explain the scores.

>>> scorer = Scorer.load()
>>> scorer.score(["Нужен закладчик, 5000 в день, пиши в лс"])[0].risk
'high'
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .artifact import load_model
from .compiled import CompiledModel, softmax
from .explain import flags_for, reasons_for
from .indicators import find_indicators
from .normalize import normalize
from .result import CATEGORIES, POSITIVE, Result

_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_surrogates(texts: Sequence[str]) -> list[str]:
    """Texts with lone surrogates (which UTF-8 cannot encode) replaced by U+FFFD; one check for the batch."""
    texts = list(texts)
    try:
        "".join(texts).encode("utf-8")
        return texts
    except UnicodeEncodeError:
        return [_SURROGATE.sub("\ufffd", t) for t in texts]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


class Scorer:
    """A loaded model: probabilities for the four categories, a calibrated score, risk bands and reasons."""

    def __init__(self, pipeline, card: dict, medium: float | None = None, high: float | None = None):
        self.pipeline = pipeline
        self.card = card
        self.version = str(card.get("version", "unknown"))
        thresholds = card.get("thresholds", {})
        self.medium = float(medium if medium is not None else thresholds.get("medium", 0.5))
        self.high = float(high if high is not None else thresholds.get("high", 0.8))
        cal = card.get("calibration") or {}
        self.cal_a, self.cal_b = float(cal.get("a", 1.0)), float(cal.get("b", 0.0))
        self.features = pipeline.named_steps["features"]
        self.compiled = CompiledModel(pipeline)
        clf = pipeline.named_steps["clf"]
        classes = [str(c) for c in clf.classes_]
        # column of each trained class in CATEGORIES order; a model trained on fewer classes gives the rest 0
        self._columns = [(classes.index(c), k) for k, c in enumerate(CATEGORIES) if c in classes]
        is_pos = np.array([c in POSITIVE for c in classes])
        if clf.coef_.shape[0] == 1:  # binary: the row is the log-odds of classes[1]
            self._direction = clf.coef_[0] * (1.0 if is_pos[1] else -1.0)
        else:
            self._direction = clf.coef_[is_pos].mean(axis=0) - clf.coef_[~is_pos].mean(axis=0)
        self._names = None
        self._fast = None  # the batch fast path, built on first use
        self._fast_lock = threading.Lock()  # the token table grows as it scores: one batch at a time

    @classmethod
    def load(cls, model_dir: str | Path | None = None, medium: float | None = None, high: float | None = None):
        """Load the model in model_dir (default: ADRISK_MODEL or models/)."""
        pipeline, card = load_model(model_dir)
        return cls(pipeline, card, medium, high)

    def _calibrate(self, probs: np.ndarray) -> np.ndarray:
        """Apply the stored Platt scaling to P(positive) and rescale the four probabilities to match."""
        pos = np.isin(np.asarray(CATEGORIES), list(POSITIVE))
        raw = probs[:, pos].sum(axis=1)
        cal = 1.0 / (1.0 + np.exp(-(self.cal_a * _logit(raw) + self.cal_b)))
        out = probs.copy()
        out[:, pos] *= (cal / np.clip(raw, 1e-12, None))[:, None]
        out[:, ~pos] *= ((1 - cal) / np.clip(1 - raw, 1e-12, None))[:, None]
        return out / out.sum(axis=1, keepdims=True)

    def raw_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated class probabilities, columns in CATEGORIES order, from the batch fast path."""
        texts = _clean_surrogates(texts)
        with self._fast_lock:
            if self._fast is None:
                from .fast import FastScorer  # numba loads here, so a server that only explains never pays for it

                self._fast = FastScorer(self.compiled)
            z = self._fast.decision(texts)
        return self._reorder(softmax(z))

    def _reorder(self, probs: np.ndarray) -> np.ndarray:
        out = np.zeros((probs.shape[0], len(CATEGORIES)))
        for src, dst in self._columns:
            out[:, dst] = probs[:, src]
        return out

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, columns in CATEGORIES order."""
        return self._calibrate(self.raw_probabilities(texts))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated P(drug_courier) + P(scam_recruitment) for each text."""
        probs = self.probabilities(texts)
        return probs[:, [c in POSITIVE for c in CATEGORIES]].sum(axis=1)

    def _terms(self, wi, wv, ci, cv) -> list[tuple[str, str, float]]:
        """(kind, n-gram, contribution) for every n-gram that pushed the text towards recruitment bait."""
        if self._names is None:
            self._names = (sorted(self.compiled.word_vocab, key=self.compiled.word_vocab.__getitem__),
                           sorted(self.compiled.char_vocab, key=self.compiled.char_vocab.__getitem__))
        n_word = len(self._names[0])
        out = []
        for kind, idx, val, offset, names in (("w", wi, wv, 0, self._names[0]), ("c", ci, cv, n_word, self._names[1])):
            contrib = val * self._direction[idx + offset]
            out += [(kind, names[j], float(c)) for j, c in zip(idx, contrib) if c > 0]
        return out

    def score(self, texts: Sequence[str], ids: Iterable | None = None, explain: bool = True,
              reveal: bool = False) -> list[Result]:
        """One Result per text, in order; reasons and flags when explain is true; indicators always (card
        numbers masked unless reveal)."""
        texts = _clean_surrogates(texts)
        ids = list(ids) if ids is not None else [None] * len(texts)
        if not explain:
            # built from our own numbers, so pydantic's validation is skipped (it was a tenth of batch time)
            return [Result.model_construct(**r) for r in self._records(self.probabilities(texts), ids, texts, reveal)]
        normalized = [normalize(t) for t in texts]  # the offset map is needed for reasons anyway
        feats = [self.compiled.features(n.text, n.obfuscation.share()) for n in normalized]
        probs = self._calibrate(self._reorder(self.compiled.probabilities(feats)))
        return [Result.model_construct(**(r | {"reasons": reasons_for(normalized[i], self._terms(*feats[i][:4])),
                                               "flags": flags_for(normalized[i])}))
                for i, r in enumerate(self._records(probs, ids, texts, reveal))]

    def records(self, texts: Sequence[str], ids: Iterable | None = None, reveal: bool = False) -> list[dict]:
        """`Result.model_dump()` of every text scored without reasons, built without a Result per row (for
        streams of millions of rows)."""
        texts = _clean_surrogates(texts)
        ids = list(ids) if ids is not None else [None] * len(texts)
        return self._records(self.probabilities(texts), ids, texts, reveal, dump=True)

    def _records(self, probs: np.ndarray, ids: list, texts: Sequence[str], reveal: bool = False,
                 dump: bool = False) -> list[dict]:
        """Result fields, reasons and flags left empty, for each row of calibrated probabilities; indicators as
        Indicator objects, or as dicts when dump."""
        pos = np.isin(np.asarray(CATEGORIES), list(POSITIVE))
        scores = np.clip(probs[:, pos].sum(axis=1), 0.0, 1.0)
        risks = np.where(scores >= self.high, "high", np.where(scores >= self.medium, "medium", "low")).tolist()
        categories = np.asarray(CATEGORIES)[probs.argmax(axis=1)].tolist()
        rounded = np.round(probs, 6).tolist()
        found = [find_indicators(t, reveal) for t in texts]
        if dump:
            found = [[i.model_dump() for i in f] if f else [] for f in found]
        return [{"id": id_, "score": s, "risk": r, "category": c, "probabilities": dict(zip(CATEGORIES, p)),
                 "reasons": [], "flags": [], "indicators": f, "model_version": self.version}
                for id_, s, r, c, p, f in zip(ids, np.round(scores, 6).tolist(), risks, categories, rounded, found)]

    def explain(self, text: str, reveal: bool = False) -> Result:
        """Score one text with reasons, flags and indicators."""
        return self.score([text], reveal=reveal)[0]
