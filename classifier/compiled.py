"""The trained pipeline compiled to plain lookups: the same probabilities without scikit-learn's per-call overhead.

A linear model over TF-IDF is a sum of weights over n-grams, so scoring needs only the vocabularies, the idf
weights and the coefficients. `CompiledModel.predict_proba` matches `Pipeline.predict_proba` to 1e-9.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from .features import dense_features
from .normalize import normalize_with_stats

WORD_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def softmax(z: np.ndarray) -> np.ndarray:
    """predict_proba of a logistic regression from its decision values (binary: one column)."""
    if z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.column_stack([1 - p, p])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class CompiledModel:
    """Vocabularies, idf and coefficients of a fitted Pipeline(features=RiskFeatures, clf=LogisticRegression)."""

    def __init__(self, pipeline):
        feats = pipeline.named_steps["features"]
        clf = pipeline.named_steps["clf"]
        if feats.word_.token_pattern != r"(?u)\b\w\w+\b" or feats.char_.analyzer != "char_wb":
            raise ValueError("only the default word tokenizer and char_wb analyzer can be compiled")
        self.word_vocab = feats.word_.vocabulary_
        self.char_vocab = feats.char_.vocabulary_
        self.word_n = tuple(feats.word_.ngram_range)
        self.char_n = tuple(feats.char_.ngram_range)
        self.sublinear = bool(feats.sublinear_tf)
        self.dense_weight = float(feats.dense_weight)
        self.flag_names = feats.flag_names
        self.word_idf = np.asarray(feats.word_.idf_, dtype=np.float64)
        self.char_idf = np.asarray(feats.char_.idf_, dtype=np.float64)
        n_word, n_char = len(self.word_vocab), len(self.char_vocab)
        coef = np.asarray(clf.coef_, dtype=np.float64)
        self.word_coef = coef[:, :n_word].T.copy()              # (n_word, k)
        self.char_coef = coef[:, n_word:n_word + n_char].T.copy()
        self.dense_coef = coef[:, n_word + n_char:].T.copy()
        if len(self.dense_coef) != len(self.flag_names) + 2:
            raise ValueError("the model's indicator columns do not match this version of adrisk; retrain it")
        self.intercept = np.asarray(clf.intercept_, dtype=np.float64)
        self.classes_ = list(clf.classes_)

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
