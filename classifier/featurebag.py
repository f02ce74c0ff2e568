"""A text's model features without the text: the counts of the model's own vocabulary n-grams in it.

When ad text may not be kept, this is what the review store keeps for retraining: which of the serving model's
word and character n-grams occur and how often, plus its indicator columns. N-grams outside the vocabulary
(names, numbers, handles the model never learned) are dropped. Overlapping known n-grams still reveal much of
the wording, so a bag is as sensitive as a redacted copy of the text. `rows` rebuilds exactly the rows the
model's features step gives for the texts. Everything here reads the CompiledModel (`scorer.compiled`), so
taking a bag needs neither scikit-learn nor the pipeline.

>>> from sklearn.pipeline import Pipeline
>>> from sklearn.linear_model import LogisticRegression
>>> from classifier.features import RiskFeatures
>>> from classifier.scorer import Scorer
>>> texts, labels = ["курьер 5000 в день", "бухгалтер в ТОО"], ["drug_courier", "legit_job"]
>>> pipe = Pipeline([("features", RiskFeatures(min_df=1)), ("clf", LogisticRegression())]).fit(texts, labels)
>>> compiled = Scorer(pipe, {}).compiled
>>> b = bag(compiled, "курьер, курьер!")
>>> bool(abs(rows(compiled, [b]) - pipe.named_steps["features"].transform(["курьер, курьер!"])).max() < 1e-12)
True
"""
from __future__ import annotations

import hashlib
import weakref

import numpy as np
import scipy.sparse as sp

FORMAT = 1
_fingerprints: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _terms(vocab: dict) -> list[str]:
    return sorted(vocab, key=vocab.__getitem__)


def vocabulary_fingerprint(compiled) -> str:
    """Short hash of both vocabularies, their idf and the feature settings: bags taken under one fingerprint
    rebuild the same columns for any model whose features step has that fingerprint."""
    if compiled not in _fingerprints:
        h = hashlib.sha256()
        for vocab, idf in ((compiled.word_vocab, compiled.word_idf), (compiled.char_vocab, compiled.char_idf)):
            h.update("\n".join(_terms(vocab)).encode())
            h.update(np.asarray(idf, dtype=np.float64).tobytes())
        h.update(repr((tuple(compiled.word_n), tuple(compiled.char_n), bool(compiled.sublinear),
                       float(compiled.dense_weight), int(compiled.dense_coef.shape[0]))).encode())
        _fingerprints[compiled] = h.hexdigest()[:16]
    return _fingerprints[compiled]


def bag(compiled, text: str) -> dict:
    """{"w": [[word id, count]...], "c": [[char id, count]...], "d": [indicator columns], "format": 1}."""
    [(norm, share)] = compiled.prepare([text])
    dense = compiled.features(norm, share)[4]  # the indicator columns as the model sees them (weighted)
    return {"format": FORMAT,
            "w": sorted([int(j), int(n)] for j, n in compiled._word_counts(norm).items()),
            "c": sorted([int(j), int(n)] for j, n in compiled._char_counts(norm).items()),
            "d": [float(x) for x in dense]}


def _block(bags: list[dict], key: str, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    """TF-IDF rows from counts, as the vectorizer computes them: (log) tf times idf, each row of unit length."""
    indptr, indices, data = [0], [], []
    for b in bags:
        indices += [int(j) for j, _ in b[key]]
        data += [float(n) for _, n in b[key]]
        indptr.append(len(indices))
    values = np.asarray(data, dtype=np.float64)
    if sublinear:
        values = np.log(values) + 1.0
    columns = np.asarray(indices, dtype=np.int64)
    values = values * np.asarray(idf, dtype=np.float64)[columns]
    out = sp.csr_matrix((values, columns, indptr), shape=(len(bags), len(idf)))
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ out)


def rows(compiled, bags: list[dict]) -> sp.csr_matrix:
    """The features step's rows ([word | char | indicators]) for the texts the bags were taken from."""
    n_dense = int(compiled.dense_coef.shape[0])
    for b in bags:
        if b.get("format") != FORMAT or len(b.get("d", ())) != n_dense:
            raise ValueError(f"feature bag format {b.get('format')!r} with {len(b.get('d', ()))} indicator columns; "
                             f"this model reads format {FORMAT} with {n_dense}")
    dense = np.asarray([b["d"] for b in bags], dtype=np.float64).reshape(len(bags), n_dense)
    return sp.hstack([_block(bags, "w", compiled.word_idf, compiled.sublinear),
                      _block(bags, "c", compiled.char_idf, compiled.sublinear), sp.csr_matrix(dense)], format="csr")
