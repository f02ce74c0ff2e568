"""Decision values for a whole batch at once: per-token work comes from a TokenTable, the sums from compiled
loops. Equal to `CompiledModel.decision` on every text (tests check 1e-9); a text whose normalization depends
on more than its single tokens goes through the full pass instead.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

import numpy as np

from . import kernels
from .explain import Units, units_of
from .flags import ANCHOR_MASKS, PATTERNS, FlagHit, find_flags, first_hits, pattern
from .normalize import Normalized, normalize, normalized
from .tokens import DISGUISED, EDGE, EMPTY, FIRST, LEFT, LETTERS, NORM, OK, SCRIPT, Buffer, TokenTable

_N_FLAGS = len(PATTERNS)
_FLAG_INDEX = {name: k for k, name in enumerate(PATTERNS)}


def _weights(idf: np.ndarray, coef: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Rows [idf * coef..., idf ** 2] of the n-grams in the given order, written into one new array (stacking
    and then reordering filled two, a quarter of the time of a start at first touch of their pages)."""
    out = np.empty((len(order), coef.shape[1] + 1))
    picked = idf[order]
    np.multiply(coef[order], picked[:, None], out=out[:, :-1])
    np.square(picked, out=out[:, -1])
    return out


class Explained(NamedTuple):
    """What FastScorer.explain gives for one text."""

    units: Units
    normalized: Normalized | TokenMap
    disguised: bool
    flags: list[FlagHit]


@dataclass
class Batch:
    """What the fast path learned about a batch of texts: decision values and, per token, its text, table row,
    normalized token and span; `slow` marks the texts that took the full pass."""

    texts: list[str]
    z: np.ndarray
    docs: np.ndarray
    norms: np.ndarray
    starts: np.ndarray
    stops: np.ndarray
    disguised: np.ndarray
    slow: np.ndarray


class TokenMap:
    """A text's normalized form, its tokens' normalized words joined by single spaces, with spans mapped back
    to the original on demand (what `Normalized.span` gives, without building the whole offset map)."""

    def __init__(self, original: str, words: list[str], starts: list[int], stops: list[int],
                 cache: dict[tuple[str, str], list[int] | None]):
        self.original, self.words, self.starts, self.stops, self._cache = original, words, starts, stops, cache
        self.text = " ".join(words)
        self.begins = list(accumulate([len(w) + 1 for w in words[:-1]], initial=0))  # of each word in text
        self._full: Normalized | None = None

    def _offset(self, j: int) -> int:
        k = bisect_right(self.begins, j) - 1
        inside, word = j - self.begins[k], self.words[k]
        if inside >= len(word):  # the joining space: the whitespace after the token
            return self.stops[k]
        raw = self.original[self.starts[k]:self.stops[k]]
        if len(raw) == len(word):
            return self.starts[k] + inside
        key = (raw, word)
        if key not in self._cache:
            if len(self._cache) > 100_000:
                self._cache.clear()
            alone = normalize(raw)
            self._cache[key] = alone.offsets if alone.text == word else None
        rel = self._cache[key]
        if rel is not None:
            return self.starts[k] + rel[inside]
        if self._full is None:  # the token normalizes otherwise alone than in its text: the full pass maps it
            self._full = normalize(self.original)
        return self._full.offsets[j]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalized text to the original text."""
        if end <= start or not self.text:
            return (0, 0)
        return self._offset(start), self._offset(end - 1) + 1


class FastScorer:
    """Decision values of a CompiledModel for batches of raw texts, and each word's share in them along a
    direction (idf * direction per vocabulary id of the model, for words and characters). Not for two threads
    at once: its table and scratch change as it scores (Scorer holds a lock around it)."""

    def __init__(self, model, max_tokens: int = 1_000_000, direction: tuple[np.ndarray, np.ndarray] | None = None):
        self.model = model
        self.table = TokenTable(model, max_tokens)
        counts = np.arange(256, dtype=np.float64)
        with np.errstate(divide="ignore"):
            self.tf = np.log(counts) + 1.0 if model.sublinear else counts
        # one row per n-gram, the most frequent (lowest idf) first so the rows used most share cache lines
        self.char_weights = _weights(model.char_idf, model.char_coef, self.table.char_order)
        self.word_weights = _weights(model.word_idf, model.word_coef, self.table.word_order)
        self._sums, self._generation = Buffer(self.char_weights.shape[1], np.float64), -1
        self.direction = direction
        if direction is not None:
            self.word_dir = np.ascontiguousarray(direction[0][self.table.word_order])
            self.char_dir = np.ascontiguousarray(direction[1][self.table.char_order])
        self._token_offsets: dict[tuple[str, str], list[int] | None] = {}
        # the compiled sums' scratch (kernels.linear): one batch at a time uses it, as the table
        n_char, n_word = len(self.char_weights), len(self.word_weights)
        self._scratch = (np.zeros(n_char, np.int32), np.zeros(n_word, np.int32), np.empty(n_char, np.int64),
                         np.empty(n_word, np.int64))

    def decision(self, texts: list[str]) -> np.ndarray:
        """Decision values (one row per text, one column per class row of the model)."""
        return self.analyse(texts).z

    def analyse(self, texts: list[str]) -> Batch:
        """Decision values of texts and what explain() needs to say why."""
        m, t, n = self.model, self.table, len(texts)
        docs, rows, starts, stops = t.tokens(texts)
        table = t.rows.view
        pick, slow = kernels.texts_plan(docs, rows, n, table[:, OK.start], table[:, FIRST], table[:, NORM],
                                        table[:, EDGE], table[:, EMPTY], table[:, LEFT], table[:, SCRIPT])
        variant = pick[docs]

        def column(pair: slice) -> np.ndarray:  # each token's value for the variant its text takes
            return table[rows, pair.start + variant]

        norms = column(NORM).astype(np.int64)
        z = self._linear(docs, norms, slow, n)
        disguised = np.bincount(docs, column(DISGUISED), n)
        if m.dense_weight:
            letters = np.maximum(np.bincount(docs, column(LETTERS), n), 1)
            share = np.minimum(1.0, disguised / letters)
            z += self._dense(norms, docs, column(EMPTY) == 0, ~slow, share, n) @ m.dense_coef
        if slow.any():
            z[slow] = self._normalized_decision([normalized(texts[i]) for i in np.flatnonzero(slow).tolist()])
        return Batch(texts, z, docs, norms, starts, stops, disguised, slow)

    def _linear(self, docs: np.ndarray, norms: np.ndarray, skip: np.ndarray, n: int) -> np.ndarray:
        """The TF-IDF decision values (intercept included) of n texts from their tokens' normalized entries,
        texts marked in skip left at the intercept."""
        t, m = self.table, self.model
        return kernels.linear(docs, norms, skip, n, t.chars.indptr.view, t.chars.ids.view, self._char_sums(),
                              t.sequence.indptr.view, t.sequence.ids.view, t.unigram_of, t.bigram_keys,
                              t.bigram_feats, t.n_words, self.char_weights, self.word_weights, self.tf,
                              m.sublinear, *self._scratch) + m.intercept

    def _normalized_decision(self, fulls: list[Normalized]) -> np.ndarray:
        """Decision values of texts the full pass normalized: their normalized words go through the table as the
        normalized tokens they are, and the same compiled sums (building the model's vocabulary dicts for
        CompiledModel.features took longer than the few texts that need them)."""
        m, t, n = self.model, self.table, len(fulls)
        words = [full.text.split() for full in fulls]
        norms = t.normalized_ids([w for ws in words for w in ws])
        docs = np.repeat(np.arange(n, dtype=np.int64), [len(ws) for ws in words])
        z = self._linear(docs, norms, np.zeros(n, dtype=bool), n)
        if m.dense_weight:
            share = np.asarray([full.obfuscation.share() for full in fulls], dtype=np.float64)
            every = np.ones(len(norms), dtype=bool)
            z += self._dense(norms, docs, every, np.ones(n, dtype=bool), share, n) @ m.dense_coef
        return z

    def explain(self, batch: Batch, chosen: list[int]) -> dict[int, Explained]:
        """For each chosen text: its words' shares, its normalized form with a map back to the original,
        whether anything in it was disguised, and its red flags' hits. Texts of the fast path get their shares
        from one compiled pass and their flags from per-token bits (`flags.first_hits`); the others from the full
        normalization pass (`explain.units_of`, the reference) and `flags.find_flags`."""
        if self.direction is None:
            raise ValueError("this FastScorer was built without a direction to explain along")
        n = len(batch.texts)
        fast = np.zeros(n, dtype=bool)
        fast[chosen] = True
        fast &= ~batch.slow
        t = self.table
        weights = kernels.token_weights(batch.docs, batch.norms, fast, t.chars.indptr.view, t.chars.ids.view,
                                        t.sequence.indptr.view, t.sequence.ids.view, t.unigram_of, t.bigram_keys,
                                        t.bigram_feats, t.n_words, self.char_weights, self.word_weights,
                                        self.char_dir, self.word_dir, self.tf, self.model.sublinear, *self._scratch)
        first = np.searchsorted(batch.docs, np.arange(n))
        last = np.searchsorted(batch.docs, np.arange(n), side="right")
        out = {}
        for i in chosen:
            text = batch.texts[i]
            if not fast[i]:
                full = normalized(text)
                out[i] = Explained(Units.of(units_of(full, self.model, *self.direction_by_id)), full,
                                   bool(full.obfuscation.disguised), find_flags(full.text))
                continue
            norms = batch.norms[first[i]:last[i]]
            kept = norms != 0  # normalized token 0 is the empty one
            starts, stops = batch.starts[first[i]:last[i]][kept], batch.stops[first[i]:last[i]][kept]
            ids = norms[kept]
            words = list(map(t.norm_text.__getitem__, ids.tolist()))
            mapped = TokenMap(text, words, starts.tolist(), stops.tolist(), self._token_offsets)
            out[i] = Explained(Units(starts, stops, weights[first[i]:last[i]][kept]), mapped,
                               bool(batch.disguised[i]), first_hits(mapped.text, words, mapped.begins,
                                                                    t.flag_bits(ids)))
        return out

    @property
    def direction_by_id(self) -> tuple[np.ndarray, np.ndarray]:
        """(char, word) direction weights in the model's own vocabulary ids, for explain.units_of."""
        return self.direction[1], self.direction[0]

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
        """Red-flag indicators (those the model uses), the obfuscation indicator and share, times the model's
        dense weight."""
        names = self.model.flag_names
        dense = np.zeros((n, len(names) + 2))
        dense[:, len(names)] = share >= 0.02
        dense[:, len(names) + 1] = share
        if names:
            flags = np.zeros((n, _N_FLAGS))
            self._flags(norm, doc, present, fast, n, flags)
            dense[:, :len(names)] = flags[:, [_FLAG_INDEX[name] for name in names]]
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
