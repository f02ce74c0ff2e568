"""A text's model features without the text: the counts of the model's own vocabulary n-grams in it.

When ad text may not be kept, this is what the review store keeps for retraining: which of the serving model's
word and character n-grams occur and how often, plus the disguise indicators. N-grams outside the vocabulary
(names, numbers, handles the model never learned) are dropped. Overlapping known n-grams still reveal much of
the wording, so a bag is as sensitive as a redacted copy of the text. `rows` rebuilds exactly the rows the
model's features step gives for the texts.

>>> from classifier.features import RiskFeatures
>>> f = RiskFeatures(min_df=1).fit(["курьер 5000 в день", "бухгалтер в ТОО"])
>>> b = bag(f, "курьер, курьер!")
>>> bool(abs(rows(f, [b]) - f.transform(["курьер, курьер!"])).max() < 1e-12)
True
"""
from __future__ import annotations

import hashlib
import weakref
from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

FORMAT = 1
_fingerprints: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_analyzers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def vocabulary_fingerprint(features) -> str:
    """Short hash of both vocabularies, their idf and the feature settings: bags taken under one fingerprint
    rebuild the same columns in any model whose features step has that fingerprint."""
    if features not in _fingerprints:
        h = hashlib.sha256()
        for vec in (features.word_, features.char_):
            h.update("\n".join(sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)).encode())
            h.update(np.asarray(vec.idf_, dtype=np.float64).tobytes())
            h.update(repr((vec.analyzer, vec.ngram_range, vec.sublinear_tf)).encode())
        h.update(repr((features.dense_weight, features.flags_on)).encode())
        _fingerprints[features] = h.hexdigest()[:16]
    return _fingerprints[features]


def _analyzers_of(features):
    if features not in _analyzers:
        _analyzers[features] = (features.word_.build_analyzer(), features.char_.build_analyzer())
    return _analyzers[features]


def bag(features, text: str) -> dict:
    """{"w": [[word id, count]...], "c": [[char id, count]...], "d": [indicators], "format": 1} for text."""
    norms, dense = features.prepare([text])
    out = {"format": FORMAT}
    for key, vec, analyze in zip(("w", "c"), (features.word_, features.char_), _analyzers_of(features)):
        vocab = vec.vocabulary_
        counts = Counter(j for j in map(vocab.get, analyze(norms[0])) if j is not None)
        out[key] = sorted([int(j), int(n)] for j, n in counts.items())  # a fresh fit's ids are numpy ints
    out["d"] = [float(x) for x in dense[0]]
    return out


def _block(bags: list[dict], key: str, vec) -> sp.csr_matrix:
    indptr, indices, data = [0], [], []
    for b in bags:
        pairs = b[key]
        indices += [int(j) for j, _ in pairs]
        data += [float(n) for _, n in pairs]
        indptr.append(len(indices))
    counts = sp.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
                           shape=(len(bags), len(vec.vocabulary_)))
    if vec.sublinear_tf:
        counts.data = np.log(counts.data) + 1.0
    return l2_normalize(counts @ sp.diags(vec.idf_), norm="l2", copy=False)


def rows(features, bags: list[dict]) -> sp.csr_matrix:
    """The features step's rows for the texts the bags were taken from."""
    for b in bags:
        if b.get("format") != FORMAT:
            raise ValueError(f"feature bag format {b.get('format')!r}; this version reads {FORMAT}")
    dense = np.asarray([b["d"] for b in bags], dtype=np.float64).reshape(len(bags), -1)
    return sp.hstack([_block(bags, "w", features.word_), _block(bags, "c", features.char_),
                      sp.csr_matrix(dense * features.dense_weight)], format="csr")
