"""The trained pipeline compiled to plain lookups: the same probabilities without scikit-learn's per-call overhead.

A linear model over TF-IDF is a sum of weights over n-grams, so scoring needs only the vocabularies, the idf
weights and the coefficients. `CompiledModel.predict_proba` matches `Pipeline.predict_proba` to 1e-9.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable

import numpy as np

from .dense import dense_features
from .normalize import normalize_with_stats
from .npz import read_npz, write_npz

WORD_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def _join(strings: Iterable[str]) -> np.ndarray:
    """Strings (no newlines) as one array of UTF-8 bytes joined by newlines."""
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8)


def _split(data: np.ndarray) -> list[str]:
    text = np.asarray(data, dtype=np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if text else []


def _pick(data: np.ndarray, ids) -> list[str]:
    """Strings ids of a _join array, decoding only them."""
    data = np.asarray(data, dtype=np.uint8)
    breaks = np.flatnonzero(data == 10)
    starts, stops, raw = np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [len(data)]]), data.tobytes()
    return [raw[starts[i]:stops[i]].decode("utf-8") for i in ids]


def softmax(z: np.ndarray) -> np.ndarray:
    """predict_proba of a logistic regression from its decision values (binary: one column)."""
    if z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.column_stack([1 - p, p])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class CompiledModel:
    """Vocabularies, idf and coefficients of a fitted Pipeline(features=RiskFeatures, clf=LogisticRegression).

    It is also stored beside the pipeline as plain arrays (`to_bytes` / `from_bytes`, an .npz read without
    pickle), so scoring needs neither scikit-learn nor skops at start-up.
    """

    def __init__(self, arrays: dict):
        # the n-grams as strings are decoded on first use: the batch path finds them by hash in its tables
        self._terms = {"word": arrays["word_terms"], "char": arrays["char_terms"]}
        self._word_terms: list[str] | None = None
        self._char_terms: list[str] | None = None
        self.word_n = tuple(int(x) for x in arrays["word_n"])
        self.char_n = tuple(int(x) for x in arrays["char_n"])
        self.sublinear = bool(np.asarray(arrays["sublinear"]).reshape(-1)[0])
        self.dense_weight = float(np.asarray(arrays["dense_weight"]).reshape(-1)[0])
        self.flag_names = tuple(_split(arrays["flag_names"]))
        self.word_idf = np.asarray(arrays["word_idf"], dtype=np.float64)
        self.char_idf = np.asarray(arrays["char_idf"], dtype=np.float64)
        self.coef = np.asarray(arrays["coef"], dtype=np.float64)  # (k, n_features)
        self.intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        self.classes_ = _split(arrays["classes"])
        n_word, n_char = len(self.word_idf), len(self.char_idf)
        self.word_coef = self.coef[:, :n_word].T.copy()              # (n_word, k)
        self.char_coef = self.coef[:, n_word:n_word + n_char].T.copy()
        self.dense_coef = self.coef[:, n_word + n_char:].T.copy()
        if len(self.dense_coef) != len(self.flag_names) + 2:
            raise ValueError("the model's indicator columns do not match this version of adrisk; retrain it")
        self._word_vocab: dict[str, int] | None = None
        self._char_vocab: dict[str, int] | None = None
        # the batch path's tables built from the vocabularies (tokens.vocabulary_tables), when stored with them
        self.tables = {k.removeprefix("table_"): v for k, v in arrays.items() if k.startswith("table_")} or None

    @classmethod
    def from_pipeline(cls, pipeline) -> "CompiledModel":
        feats = pipeline.named_steps["features"]
        clf = pipeline.named_steps["clf"]
        if feats.word_.token_pattern != r"(?u)\b\w\w+\b" or feats.char_.analyzer != "char_wb":
            raise ValueError("only the default word tokenizer and char_wb analyzer can be compiled")
        terms = [sorted(v.vocabulary_, key=v.vocabulary_.__getitem__) for v in (feats.word_, feats.char_)]
        return cls({"word_terms": _join(terms[0]), "char_terms": _join(terms[1]),
                    "word_n": np.asarray(feats.word_.ngram_range), "char_n": np.asarray(feats.char_.ngram_range),
                    "sublinear": np.asarray(bool(feats.sublinear_tf)), "dense_weight": np.asarray(feats.dense_weight),
                    "flag_names": _join(feats.flag_names), "word_idf": feats.word_.idf_, "char_idf": feats.char_.idf_,
                    "coef": clf.coef_, "intercept": clf.intercept_, "classes": _join(str(c) for c in clf.classes_)})

    def to_bytes(self) -> bytes:
        """The model as an .npz archive of plain arrays (see npz), byte for byte the same for the same model,
        with the batch path's tables built from it."""
        arrays = {"word_terms": _join(self.word_terms), "char_terms": _join(self.char_terms),
                  "word_n": np.asarray(self.word_n), "char_n": np.asarray(self.char_n),
                  "sublinear": np.asarray(self.sublinear), "dense_weight": np.asarray(self.dense_weight),
                  "flag_names": _join(self.flag_names), "word_idf": self.word_idf, "char_idf": self.char_idf,
                  "coef": self.coef, "intercept": self.intercept, "classes": _join(self.classes_)}
        from .tokens import vocabulary_tables

        arrays |= {f"table_{k}": v for k, v in vocabulary_tables(self).items()}
        return write_npz(arrays)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> "CompiledModel":
        """Read to_bytes() output; arrays only (no pickle), so a file cannot run code. The arrays are views of
        data where they can be (see npz)."""
        return cls(read_npz(data))

    @property
    def word_terms(self) -> list[str]:
        """The word n-grams, in id order."""
        if self._word_terms is None:
            self._word_terms = _split(self._terms["word"])
        return self._word_terms

    @property
    def char_terms(self) -> list[str]:
        """The character n-grams, in id order."""
        if self._char_terms is None:
            self._char_terms = _split(self._terms["char"])
        return self._char_terms

    def char_terms_at(self, ids) -> list[str]:
        """[char_terms[i] for i in ids], without decoding the rest."""
        if self._char_terms is not None:
            return [self._char_terms[i] for i in ids]
        return _pick(self._terms["char"], ids)

    @property
    def word_vocab(self) -> dict[str, int]:
        if self._word_vocab is None:
            self._word_vocab = {t: i for i, t in enumerate(self.word_terms)}
        return self._word_vocab

    @property
    def char_vocab(self) -> dict[str, int]:
        if self._char_vocab is None:
            self._char_vocab = {t: i for i, t in enumerate(self.char_terms)}
        return self._char_vocab

    def _word_counts(self, text: str) -> Counter:
        tokens = WORD_TOKEN.findall(text)
        lo, hi = self.word_n
        grams = [" ".join(tokens[i:i + n]) if n > 1 else tokens[i]
                 for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]
        return Counter(j for j in map(self.word_vocab.get, grams) if j is not None)

    def char_ids(self, text: str) -> list[int]:
        """Vocabulary ids of the char_wb n-grams of text, once per occurrence."""
        lo, hi = self.char_n
        padded = [f" {w} " for w in text.split()]
        grams = [w[i:i + n] for w in padded for n in range(lo, min(hi, len(w)) + 1) for i in range(len(w) - n + 1)]
        return [j for j in map(self.char_vocab.get, grams) if j is not None]

    def _char_counts(self, text: str) -> Counter:
        return Counter(self.char_ids(text))

    def _block(self, counts: Counter, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear:
            tf = np.log(tf) + 1.0
        val = tf * idf[idx]
        norm = math.sqrt(float(val @ val))
        return idx, (val / norm if norm > 0 else val)

    def features(self, norm: str, share: float):
        """(word indices, word values, char indices, char values, dense row) for one normalized text."""
        wi, wv = self._block(self._word_counts(norm), self.word_idf)
        ci, cv = self._block(self._char_counts(norm), self.char_idf)
        dense = np.asarray(dense_features(norm, share, self.flag_names), dtype=np.float64) * self.dense_weight
        return wi, wv, ci, cv, dense

    def decision(self, wi, wv, ci, cv, dense) -> np.ndarray:
        return wv @ self.word_coef[wi] + cv @ self.char_coef[ci] + dense @ self.dense_coef + self.intercept

    def prepare(self, texts) -> list[tuple[str, float]]:
        """(normalized text, share of disguised characters) for each raw text."""
        return [(norm, stats.share()) for norm, stats in map(normalize_with_stats, texts)]

    def probabilities(self, feats) -> np.ndarray:
        """Probabilities (columns in classes_ order) from features() rows."""
        z = np.vstack([self.decision(*f) for f in feats]) if feats else np.empty((0, len(self.intercept)))
        return softmax(z)

    def predict_proba(self, texts) -> np.ndarray:
        """Class probabilities for raw texts, as Pipeline.predict_proba gives them."""
        return self.probabilities([self.features(n, s) for n, s in self.prepare(texts)])
