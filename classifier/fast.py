"""Decision values for a whole batch at once: per-token work comes from a TokenTable, the sums from compiled
loops. Equal to `CompiledModel.decision` on every text (tests check 1e-9); a text whose normalization depends
on more than its single tokens goes through the full pass instead.
"""
from __future__ import annotations

import numpy as np

from . import kernels
from .flags import ANCHOR_MASKS, PATTERNS, pattern
from .normalize import normalize_with_stats
from .tokens import DISGUISED, EDGE, EMPTY, FIRST, LEFT, LETTERS, NORM, OK, SCRIPT, Buffer, TokenTable

_N_FLAGS = len(PATTERNS)


def _weights(idf: np.ndarray, coef: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rows [idf * coef..., idf ** 2] of the n-grams in the given order."""
    return np.ascontiguousarray(np.column_stack([idf[:, None] * coef, idf ** 2])[order])


class FastScorer:
    """Decision values of a CompiledModel for batches of raw texts."""

    def __init__(self, model, max_tokens: int = 1_000_000):
        self.model = model
        self.table = TokenTable(model, max_tokens)
        counts = np.arange(256, dtype=np.float64)
        with np.errstate(divide="ignore"):
            self.tf = np.log(counts) + 1.0 if model.sublinear else counts
        # one row per n-gram, the most frequent (lowest idf) first so the rows used most share cache lines
        self.char_weights = _weights(model.char_idf, model.char_coef, self.table.char_order)
        self.word_weights = _weights(model.word_idf, model.word_coef, self.table.word_order)
        self._sums, self._generation = Buffer(self.char_weights.shape[1], np.float64), -1

    def decision(self, texts: list[str]) -> np.ndarray:
        """Decision values (one row per text, one column per class row of the model)."""
        m, t, n = self.model, self.table, len(texts)
        docs, rows = t.tokens(texts)
        table = t.rows.view
        pick, slow = kernels.texts_plan(docs, rows, n, table[:, OK.start], table[:, FIRST], table[:, NORM],
                                        table[:, EDGE], table[:, EMPTY], table[:, LEFT], table[:, SCRIPT])
        variant = pick[docs]

        def column(pair: slice) -> np.ndarray:  # each token's value for the variant its text takes
            return table[rows, pair.start + variant]

        norms = column(NORM).astype(np.int64)
        z = kernels.linear(docs, norms, slow, n, t.chars.indptr.view, t.chars.ids.view, self._char_sums(),
                           t.sequence.indptr.view, t.sequence.ids.view, t.unigram_of, t.bigram_keys,
                           t.bigram_feats, len(t.word_ids), self.char_weights, self.word_weights, self.tf,
                           m.sublinear) + m.intercept
        if m.dense_weight:
            letters = np.maximum(np.bincount(docs, column(LETTERS), n), 1)
            share = np.minimum(1.0, np.bincount(docs, column(DISGUISED), n) / letters)
            z += self._dense(norms, docs, column(EMPTY) == 0, ~slow, share, n) @ m.dense_coef
        for i in np.flatnonzero(slow):
            text, stats = normalize_with_stats(texts[i])
            z[i] = m.decision(*m.features(text, stats.share()))
        return z

    def _char_sums(self) -> np.ndarray:
        """Per normalized token, its character n-grams' weight rows summed; extended as the table grows."""
        t = self.table
        if self._generation != t.generation:  # the table was cleared
            self._sums, self._generation = Buffer(self.char_weights.shape[1], np.float64), t.generation
        if self._sums.size < len(t.norm_text):
            self._sums.extend(kernels.row_sums(t.chars.indptr.view, t.chars.ids.view, self._sums.size,
                                               self.char_weights))
        return self._sums.view

    def _dense(self, norm, doc, present, fast, share, n) -> np.ndarray:
        """Red-flag indicators (when the model uses them), the obfuscation indicator and share, times the
        model's dense weight."""
        dense = np.zeros((n, _N_FLAGS + 2))
        dense[:, _N_FLAGS] = share >= 0.02
        dense[:, _N_FLAGS + 1] = share
        if self.model.use_flags:
            self._flags(norm, doc, present, fast, n, dense)
        return dense * self.model.dense_weight

    def _flags(self, norm, doc, present, fast, n, dense) -> None:
        """Fill dense[:, k] with red flag k of each fast text: per-token hits, then whole-text searches gated
        by anchors."""
        bits = self.table.bits.view[norm]
        hits = np.zeros(n, dtype=np.int64)
        anchors = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(hits, doc, bits[:, 0])
        np.bitwise_or.at(anchors, doc, bits[:, 1])
        # pair anchors: a token ending in the first word, the next token of the same text starting with the second
        ends, starts, owner = bits[present, 2], bits[present, 3], doc[present]
        np.bitwise_or.at(anchors, owner[:-1], ends[:-1] & starts[1:] & np.where(owner[:-1] == owner[1:], -1, 0))
        first = np.searchsorted(doc, np.arange(n))
        last = np.searchsorted(doc, np.arange(n), side="right")
        words = self.table.norm_text
        texts: dict[int, str] = {}
        for k, masks in enumerate(ANCHOR_MASKS):
            found = (hits >> k) & 1 == 1
            gate = np.zeros(n, dtype=bool)
            for mask in masks:
                gate |= anchors & mask == mask
            for i in np.flatnonzero(fast & gate & ~found).tolist():
                if i not in texts:
                    texts[i] = " ".join(words[j] for j in norm[first[i]:last[i]][present[first[i]:last[i]]])
                found[i] = pattern(k).search(texts[i]) is not None
            dense[:, k] = found
