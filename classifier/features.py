"""Features: TF-IDF word and character n-grams over normalized text, plus red-flag and disguise indicators."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

from .dense import DISGUISE_NAMES, dense_features
from .flags import PATTERNS
from .normalize import normalize_with_stats


class RiskFeatures(TransformerMixin, BaseEstimator):
    """Raw texts in, one sparse row per text out: [word TF-IDF | char TF-IDF | indicators * dense_weight].
    The indicators are the disguise ones, preceded by the red flags when use_flags is true; the flags a model
    was fitted with are stored (`flag_names_`), so flags added to the project later do not change its columns.

    >>> f = RiskFeatures(min_df=1).fit(["курьер 5000 в день", "бухгалтер в ТОО"])
    >>> f.transform(["закладчик"]).shape[0]
    1
    """

    def __init__(self, word_ngram=(1, 2), char_ngram=(2, 5), min_df=2, max_df=1.0, sublinear_tf=True,
                 max_features=300_000, dense_weight=1.0, use_flags=True):
        self.word_ngram = word_ngram
        self.char_ngram = char_ngram
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.max_features = max_features
        self.dense_weight = dense_weight
        self.use_flags = use_flags

    def _vectorizers(self):
        common = dict(lowercase=False, min_df=self.min_df, max_df=self.max_df, sublinear_tf=self.sublinear_tf,
                      max_features=self.max_features, dtype=np.float64)
        return (TfidfVectorizer(analyzer="word", ngram_range=tuple(self.word_ngram), **common),
                TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngram), **common))

    def prepare(self, texts) -> tuple[list[str], np.ndarray]:
        """Normalize texts once; return them with their dense indicator rows."""
        flags = self.flag_names
        norms, dense = [], []
        for t in texts:
            norm, stats = normalize_with_stats(t)
            norms.append(norm)
            dense.append(dense_features(norm, stats.share(), flags))
        return norms, np.asarray(dense, dtype=np.float64).reshape(len(norms), len(flags) + len(DISGUISE_NAMES))

    @property
    def flag_names(self) -> tuple[str, ...]:
        """The red flags used as features: those fitted with, or (before fitting) all of them if use_flags."""
        if hasattr(self, "flag_names_"):
            return tuple(self.flag_names_)
        return tuple(PATTERNS) if self.use_flags else ()

    def fit(self, X, y=None):
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit both vectorizers and return the features, normalizing each text once."""
        self.flag_names_ = list(PATTERNS) if self.use_flags else []
        norms, dense = self.prepare(X)
        self.word_, self.char_ = self._vectorizers()
        parts = [self.word_.fit_transform(norms), self.char_.fit_transform(norms), sp.csr_matrix(dense * self.dense_weight)]
        self.n_features_out_ = sum(p.shape[1] for p in parts)
        return sp.hstack(parts, format="csr")

    def transform_prepared(self, norms: list[str], dense: np.ndarray) -> sp.csr_matrix:
        """Features for texts already normalized by prepare()."""
        return sp.hstack([self.word_.transform(norms), self.char_.transform(norms),
                          sp.csr_matrix(dense * self.dense_weight)], format="csr")

    def transform(self, X):
        return self.transform_prepared(*self.prepare(X))

    def __getstate__(self):
        """Store each vocabulary as one newline-joined string plus its idf array: small and fast in skops."""
        state = dict(super().__getstate__())  # a copy: the base may return the live __dict__
        for name in ("word_", "char_"):
            vec = state.pop(name, None)
            if vec is not None:
                terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
                state[f"{name}terms"] = "\n".join(terms)
                state[f"{name}idf"] = np.asarray(vec.idf_, dtype=np.float64)
        return state

    def __setstate__(self, state):
        state = dict(state)
        stored = {n: (state.pop(f"{n}terms", None), state.pop(f"{n}idf", None)) for n in ("word_", "char_")}
        super().__setstate__(state)
        for (name, (terms, idf)), vec in zip(stored.items(), self._vectorizers()):
            if terms is not None:
                vec.vocabulary_ = {t: i for i, t in enumerate(terms.split("\n"))} if terms else {}
                vec.idf_ = idf
                setattr(self, name, vec)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([*(f"w:{t}" for t in self.word_.get_feature_names_out()),
                           *(f"c:{t}" for t in self.char_.get_feature_names_out()),
                           *(f"flag:{n}" for n in self.flag_names), *DISGUISE_NAMES], dtype=object)
