"""Why a text scored as it did: each word's signed share of the decision, merged into phrases with spans in the
original text, and the named red flags.

A linear model over TF-IDF is a sum over n-grams, so every n-gram occurrence has a share in the decision:
tf(c) / c * idf * direction / ||row|| (c its count in the text, `direction` the positive classes' coefficients
minus the others'). A word's weight is the sum of the shares of the n-grams inside it (a word bigram gives half
to each word). Words are the whitespace-separated tokens of the original text, so a disguised word such as
«з а к л а д» or «курьeр» is one unit with one span.

>>> units = [Unit(0, 5, 2.0), Unit(6, 9, 0.9), Unit(10, 13, -1.5)]
>>> [r.text for r in raising("Нужен лс, ТОО", units)], [r.text for r in lowering("Нужен лс, ТОО", units)]
(['Нужен лс'], ['ТОО'])
"""
from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .compiled import WORD_TOKEN
from .flags import FlagHit, find_flags
from .normalize import Normalized

if TYPE_CHECKING:
    from .result import Flag, Reason

_WORD = re.compile(r"[^\s.,!?;:()«»\"“”]+")
_NON_SPACE = re.compile(r"\S+")
_KEEP_AT_EDGE = frozenset("@#$%+№₸₽€£¥")
_TRIM_CATEGORIES = frozenset({"Ps", "Pe", "Pi", "Pf", "Pd", "Po", "Zs", "Zl", "Zp", "Cc", "Cf", "So", "Sk", "Mn", "Me"})
TOP = 5
SHARE_OF_BEST = 0.2  # words below this share of the strongest one are not shown
MIN_WEIGHT = 0.1  # nor words that move the decision by less than this (log-odds): noise such as «в»
MERGED_FROM = 3  # characters: a recurring word this long counts once, with the weight of all its copies


class Unit(NamedTuple):
    """A whitespace-separated token of the original text, [start, end), and its share of the decision."""

    start: int
    end: int
    weight: float


class Units(NamedTuple):
    """The units of one text as arrays, in text order."""

    starts: np.ndarray
    ends: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, units: list[Unit]) -> "Units":
        if not units:
            return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))
        starts, ends, weights = zip(*units)
        return cls(np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64), np.asarray(weights))


def _at_edge(ch: str) -> bool:
    return ch not in _KEEP_AT_EDGE and unicodedata.category(ch) in _TRIM_CATEGORIES


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without punctuation, emoji and invisible characters at its ends (unchanged if nothing is left)."""
    if end > start and text[start].isalnum() and text[end - 1].isalnum():
        return start, end  # most words: no letter or digit is in _TRIM_CATEGORIES
    a, b = start, end
    while a < b and _at_edge(text[a]):
        a += 1
    while b > a and _at_edge(text[b - 1]):
        b -= 1
    return (a, b) if b > a else (start, end)


def _joinable(gap: str) -> bool:
    return not gap.strip(" ,-–—") and gap.count(" ") <= 1


def merge_repeats(text: str, units: Units) -> Units:
    """The units with each word of MERGED_FROM characters or more that recurs given, at its first place, the
    weight of all its occurrences (and 0 elsewhere): a word's share is split among its copies, so a phrase
    repeated a hundred times showed a hundred faint copies, or none above MIN_WEIGHT. The scorer merges a text's
    units once, before it picks their raising and lowering phrases."""
    weights = units.weights
    low = text.lower()
    if len(low) != len(text):  # a few letters lower-case to two characters: compare the words as written
        low = text
    words = list(map(low.__getitem__, map(slice, units.starts.tolist(), units.ends.tolist())))
    # short words (в, на, of, лс) stay where they are: merged, a preposition's copies added up to a "reason"
    words = [w if len(w) >= MERGED_FROM else (i, w) for i, w in enumerate(words)]
    groups = dict.fromkeys(words)
    if len(groups) == len(words):
        return units
    number = {w: k for k, w in enumerate(groups)}
    group = np.fromiter(map(number.__getitem__, words), dtype=np.int64, count=len(words))
    first = np.full(len(groups), len(words), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(words)))  # each word's earliest place
    merged = np.zeros_like(weights)
    merged[first] = np.bincount(group, weights=weights, minlength=len(groups))
    return units._replace(weights=merged)


def _phrases(text: str, units: Units, sign: float, top: int) -> list[dict]:
    signed = sign * units.weights
    best = float(signed.max()) if len(signed) else 0.0
    if best < MIN_WEIGHT:
        return []
    phrases: list[list] = []
    last = -2
    chosen = np.flatnonzero(signed >= max(SHARE_OF_BEST * best, MIN_WEIGHT))
    for i, start, end, w in zip(chosen.tolist(), units.starts[chosen].tolist(), units.ends[chosen].tolist(),
                                signed[chosen].tolist()):
        a, b = _trim(text, start, end)
        if phrases and last == i - 1 and _joinable(text[phrases[-1][1]:a]):
            phrases[-1][1], phrases[-1][2] = b, phrases[-1][2] + w
        else:
            phrases.append([a, b, w])
        last = i
    phrases.sort(key=lambda p: -p[2])
    return [{"text": text[a:b], "start": a, "end": b, "weight": round(sign * w, 4)} for a, b, w in phrases[:top]]


def _as(kind: str, dumped: list[dict], as_dicts: bool) -> list:
    """The items as objects of the result type named kind, or as the dicts their model_dump() gives (same keys,
    same order): a record stream builds no object per reason (model_construct and model_dump took ~15 µs
    each) and imports no pydantic."""
    if as_dicts:
        return dumped
    from . import result

    model = getattr(result, kind)
    return [model.model_construct(**d) for d in dumped]


def raising(text: str, units: Units | list[Unit], top: int = TOP, as_dicts: bool = False) -> list[Reason]:
    """The phrases that raised the score most, strongest first (adjacent raising words form one phrase)."""
    return _as("Reason", _phrases(text, units if isinstance(units, Units) else Units.of(units), 1.0, top), as_dicts)


def lowering(text: str, units: Units | list[Unit], top: int = TOP, as_dicts: bool = False) -> list[Reason]:
    """The phrases that lowered the score most, strongest first; their weights are negative."""
    return _as("Reason", _phrases(text, units if isinstance(units, Units) else Units.of(units), -1.0, top), as_dicts)


def raw_tokens(text: str) -> list[tuple[int, int]]:
    """[start, end) of every whitespace-separated token of text (as str.split() splits)."""
    return [m.span() for m in _NON_SPACE.finditer(text)]


def units_of(normalized: Normalized, model, char_dir, word_dir) -> list[Unit]:
    """Each original token's share of the decision, from the full normalization pass (the reference the batch
    kernel matches). Normalized words that come from the same original tokens (s p a c e d letters) form one
    unit. char_dir / word_dir: idf * direction per vocabulary id of the CompiledModel."""
    norm = normalized.text
    spans = raw_tokens(norm)
    if not spans:
        return []
    grams = [model.char_ids(norm[a:b]) for a, b in spans]
    words = [(w, k) for k, (a, b) in enumerate(spans) for w in WORD_TOKEN.findall(norm[a:b])]
    occurrences = []  # (word feature, the tokens it sits in)
    for i, (w, k) in enumerate(words):
        f = model.word_vocab.get(w)
        if f is not None:
            occurrences.append((f, (k,)))
        if i:
            f = model.word_vocab.get(f"{words[i - 1][0]} {w}")
            if f is not None:
                occurrences.append((f, (words[i - 1][1], k)))
    # an n-gram's share at each occurrence: tf(c) / c * direction / ||row||, summed per token
    weights = _shares(np.fromiter((f for g in grams for f in g), np.int64),
                      np.repeat(np.arange(len(grams)), [len(g) for g in grams]), model.char_idf, char_dir,
                      model.sublinear, len(spans))
    features = np.fromiter((f for f, tokens in occurrences for _ in tokens), np.int64)
    owners = np.fromiter((k for _, tokens in occurrences for k in tokens), np.int64)
    halves = np.fromiter((1.0 / len(tokens) for _, tokens in occurrences for _ in tokens), np.float64)
    weights += _shares(features, owners, model.word_idf, word_dir, model.sublinear, len(spans), halves)
    # group normalized tokens by the original tokens they come from
    originals = raw_tokens(normalized.original)
    starts = [a for a, _ in originals]
    units: list[list] = []
    for (a, b), w in zip(spans, weights):
        lo = bisect_right(starts, normalized.offsets[a]) - 1
        hi = bisect_right(starts, normalized.offsets[b - 1]) - 1
        if units and lo <= units[-1][1]:
            units[-1][1], units[-1][2] = max(hi, units[-1][1]), units[-1][2] + w
        else:
            units.append([lo, hi, w])
    return [Unit(originals[lo][0], originals[hi][1], float(w)) for lo, hi, w in units]


def _shares(features: np.ndarray, owners: np.ndarray, idf: np.ndarray, direction: np.ndarray, sublinear: bool,
            n_tokens: int, parts: np.ndarray | None = None) -> np.ndarray:
    """Per token, the summed shares of the n-gram occurrences it holds (features[j] in token owners[j]; a
    bigram's occurrence is listed once per word, each with part 1/2)."""
    if not len(features):
        return np.zeros(n_tokens)
    distinct, which, counts = np.unique(features, return_inverse=True, return_counts=True)
    if parts is not None:  # a bigram's two halves count as one occurrence
        counts = np.bincount(which, parts).round().astype(np.int64)
    tf = 1.0 + np.log(counts) if sublinear else counts.astype(np.float64)
    norm = math.sqrt(float(((tf * idf[distinct]) ** 2).sum())) or 1.0
    share = (tf / counts * direction[distinct])[which] / norm
    return np.bincount(owners, share if parts is None else share * parts, minlength=n_tokens)


def flags_for(normalized, disguised: bool | None = None, as_dicts: bool = False,
              hits: list[FlagHit] | None = None) -> list[Flag]:
    """Named red flags with spans in the original text, plus 'obfuscation' where a word was disguised.
    normalized: a `Normalized` (or anything with its text, original and span()); disguised: whether any
    character was (default: from the normalization counts); as_dicts: Flag.model_dump() dicts instead;
    hits: find_flags(normalized.text) when the caller has it."""
    out = []
    for hit in find_flags(normalized.text) if hits is None else hits:
        start, end = normalized.span(hit.start, hit.end)
        out.append({"name": hit.name, "text": normalized.original[start:end], "start": start, "end": end})
    if normalized.obfuscation.disguised if disguised is None else disguised:
        for m in _WORD.finditer(normalized.text):
            start, end = normalized.span(m.start(), m.end())
            seen = normalized.original[start:end]
            if seen.lower() != m.group(0) and len(m.group(0)) > 1 and any(c.isalpha() for c in m.group(0)):
                out.append({"name": "obfuscation", "text": seen, "start": start, "end": end})
                break
    return _as("Flag", out, as_dicts)
