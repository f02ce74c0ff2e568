"""Score texts with a trained model and explain the scores.

>>> scorer = Scorer.load()
>>> scorer.score(["Нужен закладчик, 5000 в день, пиши в лс"])[0].risk
'high'
"""
from __future__ import annotations

import gc
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .artifact import ModelError, default_model_dir, load_compiled, load_model
from .compiled import CompiledModel, softmax
from .explain import flags_for, lowering, merge_repeats, raising
from .indicators import find_indicators_in, mask_card
from .categories import CATEGORIES, POSITIVE

if TYPE_CHECKING:
    from .result import Result

_SURROGATE = re.compile("[\ud800-\udfff]")
_POSITIVE = np.array([c in POSITIVE for c in CATEGORIES])  # the positive columns, in CATEGORIES order
_POSITIVE_SUM = _POSITIVE.astype(np.float64)  # probs @ this: P(positive) of each row
_BANDS = ("low", "medium", "high")


def replace_surrogates(text: str) -> str:
    """The text with each lone surrogate (which UTF-8 cannot encode) replaced by U+FFFD, one code point for one."""
    return _SURROGATE.sub("\ufffd", text)


def _clean_surrogates(texts: Sequence[str]) -> list[str]:
    """Texts with lone surrogates replaced (replace_surrogates); one check for the batch."""
    texts = list(texts)
    try:
        "".join(texts).encode("utf-8")
        return texts
    except UnicodeEncodeError:
        return [replace_surrogates(t) for t in texts]


@contextmanager
def _collector_paused():
    """The cyclic collector off while a model's tables (hundreds of thousands of objects, no cycles) are built:
    its passes would walk them over and over, about a fifth of a second at each start."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


class Scorer:
    """A loaded model: probabilities for the four categories, a calibrated score, risk bands and reasons."""

    def __init__(self, model, card: dict, medium: float | None = None, high: float | None = None,
                 model_dir: str | Path | None = None):
        """model: a fitted Pipeline or its CompiledModel; card: its model card."""
        if isinstance(model, CompiledModel):
            self.compiled, self._pipeline = model, None
        else:
            self.compiled, self._pipeline = CompiledModel.from_pipeline(model), model
        self.model_dir = model_dir
        self.card = card
        self.version = str(card.get("version", "unknown"))
        thresholds = card.get("thresholds", {})
        self.medium = float(medium if medium is not None else thresholds.get("medium", 0.5))
        self.high = float(high if high is not None else thresholds.get("high", 0.8))
        if self.medium > self.high:  # else a score between them would be high and one above both medium
            raise ValueError(f"the medium threshold ({self.medium:g}) must not be above the high one ({self.high:g})")
        cal = card.get("calibration") or {}
        self.cal_a, self.cal_b = float(cal.get("a", 1.0)), float(cal.get("b", 0.0))
        classes = [str(c) for c in self.compiled.classes_]
        coef = self.compiled.coef
        # column of each trained class in CATEGORIES order; a model trained on fewer classes gives the rest 0
        self._columns = [(classes.index(c), k) for k, c in enumerate(CATEGORIES) if c in classes]
        is_pos = np.array([c in POSITIVE for c in classes])
        if coef.shape[0] == 1:  # binary: the row is the log-odds of classes[1]
            self._direction = coef[0] * (1.0 if is_pos[1] else -1.0)
        else:
            self._direction = coef[is_pos].mean(axis=0) - coef[~is_pos].mean(axis=0)
        self._fast = None  # the batch fast path, built on first use
        self._fast_lock = threading.Lock()  # the token table grows as it scores: one batch at a time

    @classmethod
    def load(cls, model_dir: str | Path | None = None, medium: float | None = None, high: float | None = None):
        """Load the model in model_dir (default: ADRISK_MODEL or models/) for scoring."""
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        try:
            with _collector_paused():
                compiled, card = load_compiled(model_dir)
                return cls(compiled, card, medium, high, model_dir)
        except ValueError as e:  # a model this code cannot score
            raise ModelError(f"{model_dir}: {e}") from None

    @property
    def pipeline(self):
        """The scikit-learn pipeline itself (the reference the compiled model equals), loaded on first use."""
        if self._pipeline is None:
            if self.model_dir is None:
                raise ModelError("this scorer was built from compiled arrays alone")
            self._pipeline, _ = load_model(self.model_dir)
        return self._pipeline

    def _calibrate(self, probs: np.ndarray) -> np.ndarray:
        """Apply the stored Platt scaling to P(positive) and rescale the four probabilities to match."""
        raw = probs @ _POSITIVE_SUM
        cal = 1.0 / (1.0 + np.exp(-(self.cal_a * _logit(raw) + self.cal_b)))
        scale = np.where(_POSITIVE, (cal / np.maximum(raw, 1e-12))[:, None],
                         ((1 - cal) / np.maximum(1 - raw, 1e-12))[:, None])
        out = probs * scale
        return out / out.sum(axis=1, keepdims=True)

    def raw_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated class probabilities, columns in CATEGORIES order, from the batch fast path."""
        texts = _clean_surrogates(texts)
        with self._fast_lock:
            z = self._explainer().decision(texts)
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
        return self.probabilities(texts) @ _POSITIVE_SUM

    def _explainer(self):
        """The batch fast path (built on first use, under the lock): the compiled loops load here, so a process
        that never scores pays nothing for them."""
        if self._fast is None:
            from .fast import FastScorer

            n_word = len(self.compiled.word_idf)
            n_char = len(self.compiled.char_idf)
            direction = (self.compiled.word_idf * self._direction[:n_word],
                         self.compiled.char_idf * self._direction[n_word:n_word + n_char])
            with _collector_paused():
                self._fast = FastScorer(self.compiled, direction=direction)
        return self._fast

    def score(self, texts: Sequence[str], ids: Iterable | None = None, explain: bool | str = True,
              reveal: bool = False) -> list[Result]:
        """One Result per text, in order. explain: True (or "all") gives every text its reasons, lowering
        phrases and flags; "flagged" only texts at or above the medium band; False none. Indicators always
        (card numbers masked unless reveal)."""
        from .result import Result

        return [Result.model_construct(**r) for r in self._scored(texts, ids, explain, reveal, as_dicts=False)]

    def records(self, texts: Sequence[str], ids: Iterable | None = None, explain: bool | str = False,
                reveal: bool = False) -> list[dict]:
        """`Result.model_dump()` of every text, built without a Result per row (for streams of millions of rows);
        explain and reveal as in score()."""
        return self._scored(texts, ids, explain, reveal, as_dicts=True)

    def _scored(self, texts, ids, explain, reveal: bool, as_dicts: bool) -> list[dict]:
        texts = _clean_surrogates(texts)
        ids = list(ids) if ids is not None else [None] * len(texts)
        if explain not in (True, False, "all", "flagged", "none"):
            raise ValueError(f"explain must be True, False, 'all', 'flagged' or 'none', not {explain!r}")
        found = self._indicators(texts, reveal, as_dicts)  # needs no table: outside the lock
        with self._fast_lock:  # the token table grows as it scores, and explain() reads it: one batch at a time
            fast = self._explainer()
            batch = fast.analyse(texts)
            records = self._records(self._calibrate(self._reorder(softmax(batch.z))), ids, found)
            if explain in (False, "none"):
                return records
            chosen = [i for i, r in enumerate(records) if explain != "flagged" or r["risk"] != "low"]
            parts = fast.explain(batch, chosen)
        for i in chosen:
            part, rec = parts[i], records[i]
            units = merge_repeats(texts[i], part.units)  # once for both lists
            rec["reasons"] = raising(texts[i], units, as_dicts=as_dicts) if rec["risk"] != "low" else []
            rec["lowering"] = lowering(texts[i], units, as_dicts=as_dicts)
            rec["flags"] = flags_for(part.normalized, part.disguised, as_dicts=as_dicts, hits=part.flags)
            if not reveal:
                _mask_cards(rec, texts[i])
        return records

    @staticmethod
    def _indicators(texts: Sequence[str], reveal: bool, dump: bool) -> list[list]:
        """Each text's indicators as Indicator objects, or as dicts when dump."""
        return find_indicators_in(list(texts), reveal, as_dicts=dump)

    def _records(self, probs: np.ndarray, ids: list, found: list[list]) -> list[dict]:
        """Result fields, reasons and flags left empty, for each row of calibrated probabilities and its
        indicators."""
        scores = np.clip(probs @ _POSITIVE_SUM, 0.0, 1.0)
        bands = np.where(scores >= self.high, 2, scores >= self.medium).tolist()
        rounded = np.round(np.column_stack([probs, scores]), 6).tolist()  # one pass for both
        return [{"id": id_, "score": p[-1], "risk": _BANDS[b], "category": CATEGORIES[c],
                 "probabilities": dict(zip(CATEGORIES, p)), "reasons": [], "lowering": [], "flags": [],
                 "indicators": f, "model_version": self.version}
                for id_, p, b, c, f in zip(ids, rounded, bands, probs.argmax(axis=1).tolist(), found)]

    def explain(self, text: str, reveal: bool = False) -> Result:
        """Score one text with reasons, flags and indicators."""
        return self.score([text], reveal=reveal)[0]


def _mask_cards(record: dict, text: str) -> None:
    """The text of reasons, lowering phrases and flags that overlap a card number, masked as its indicator is
    (their spans still point at the original text)."""
    field = lambda x, k: x[k] if isinstance(x, dict) else getattr(x, k)  # noqa: E731 (dicts or result objects)
    cards = [(field(i, "start"), field(i, "end")) for i in record["indicators"] if field(i, "kind") == "card"]
    if not cards:
        return
    masked = text
    for a, b in cards:
        masked = masked[:a] + mask_card(text[a:b]) + masked[b:]
    for part in (record["reasons"], record["lowering"], record["flags"]):
        for x in part:
            start, end = field(x, "start"), field(x, "end")
            if any(start < b and a < end for a, b in cards):
                if isinstance(x, dict):
                    x["text"] = masked[start:end]
                else:
                    x.text = masked[start:end]

