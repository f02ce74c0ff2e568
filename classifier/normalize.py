"""Undo the disguises recruiters use, keeping a map from every output character back to the input.

>>> normalize("Курьeр-з а к л а д ч и к, ш0п").text
'курьер-закладчик, шоп'
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .confusables import LEET_TO_CYRILLIC, LOOKALIKE_TO_CYRILLIC, is_cyrillic

_LETTER = r"[^\W\d_]"
_CYR = "а-яёәғқңөұүһіў"
# Characters that need a closer look: anything outside printable ASCII, basic Cyrillic and a few common signs.
_SPECIAL = re.compile(r"[^\x20-\x7e\u0400-\u0482\u048a-\u04ff№«»—–…“”‘’₸₽€£¥°]")  # U+0483-0489: Cyrillic combining marks
_COMBINING = re.compile(rf"({_LETTER})([\u0300-\u036f]+)")
_SPACED = re.compile(rf"(?<![\w@])(?:{_LETTER} ){{3,}}{_LETTER}(?![\w@])")
_CHAIN = re.compile(rf"(?<!{_LETTER})(?:{_LETTER}[.\-/_*·•|~+]){{2,}}{_LETTER}(?!{_LETTER})")
_INNER_SEP = re.compile(rf"(?<=[{_CYR}])[_*·•|~`+]+(?=[{_CYR}])")
_INNER_DOT = re.compile(rf"(?<=[{_CYR}]{{2}})\.(?=[{_CYR}]{{2}})")
_WORD = re.compile(r"[\w@]+")
_REPEAT_LETTER = re.compile(rf"({_LETTER})\1{{2,}}")
_REPEAT_PUNCT = re.compile(r"([!?.,)(*=~\-])\1{2,}")
_SPACES = re.compile(r" {2,}")
_LEET_CHARS = frozenset(LEET_TO_CYRILLIC)
_VOWELS = frozenset("аеёиоуыэюяәөұүі")
_DIGIT_RUN = re.compile(r"[\d@]+")
_COMPOSED_KEEP = frozenset("йёЙЁ")  # the only letters a combining mark legitimately builds in ru/kk text
_FOREIGN = frozenset(LOOKALIKE_TO_CYRILLIC)
_C = "\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"
_F = re.escape("".join(sorted(_FOREIGN | _LEET_CHARS)))
_CYR_ANY = re.compile(f"[{_C}]")
_LETTER_ANY = re.compile(_LETTER)
_PLAIN_LETTER = re.compile(rf"[^\W\d_{re.escape(''.join(sorted(_FOREIGN)))}]")
# words that mix Cyrillic with look-alikes or leet characters, and words made only of look-alikes
# (two lookaheads, not one for "C then F or F then C": that one rescanned the word from every letter, and a
# 20,000-letter word took seconds)
_MIXED_WORD = re.compile(rf"(?<![\w@])(?=[\w@]*?[{_C}])(?=[\w@]*?[{_F}])[\w@]+")
# words made only of look-alike letters, and words made only of leet characters with an @ in them («3@» for
# «за»: a number never holds an @)
_LEET_RUN = re.escape("".join(sorted(_LEET_CHARS)))
_LOOKALIKE_WORD = re.compile(rf"(?<![\w@])(?:[{re.escape(''.join(sorted(_FOREIGN)))}]+|[{_LEET_RUN}]*@[{_LEET_RUN}]*)(?![\w@])")


@dataclass
class Obfuscation:
    """Counts of the disguises found in one text."""

    invisible: int = 0
    marks: int = 0
    fancy: int = 0
    emoji: int = 0
    lookalikes: int = 0
    mixed_words: int = 0
    leet: int = 0
    spaced: int = 0
    separators: int = 0
    repeats: int = 0
    letters: int = 0
    words: int = 0

    @property
    def disguised(self) -> int:
        """Characters that were hidden, swapped or split apart on purpose."""
        return self.invisible + self.marks + self.fancy + self.lookalikes + self.leet + self.spaced + self.separators

    def share(self) -> float:
        """Disguised characters per letter, capped at 1."""
        return min(1.0, self.disguised / max(self.letters, 1))


@dataclass
class Normalized:
    """Normalized text, `offsets[j]` = index in the original of character j, and what was undone."""

    original: str
    text: str
    offsets: list[int] = field(repr=False)
    obfuscation: Obfuscation

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalized text to the original text."""
        if end <= start or not self.offsets:
            return (0, 0)
        return self.offsets[start], self.offsets[end - 1] + 1


def _apply(s: str, src: list[int] | None, edits: list[tuple[int, int, str]]) -> tuple[str, list[int] | None]:
    """Apply sorted, non-overlapping (start, end, replacement) edits to s and carry the offset map along."""
    if not edits:
        return s, src
    out, new_src, pos = [], [] if src is not None else None, 0
    for a, b, r in edits:
        out.append(s[pos:a])
        out.append(r)
        if new_src is not None:
            new_src.extend(src[pos:a])
            if len(r) == b - a:
                new_src.extend(src[a:b])
            elif r:
                new_src.extend([src[a]] * len(r))
        pos = b
    out.append(s[pos:])
    if new_src is not None:
        new_src.extend(src[pos:])
    return "".join(out), new_src


@lru_cache(maxsize=65536)
def _special(ch: str) -> tuple[str, str]:
    """Replacement for one unusual character and the kind of disguise it was ('' if none)."""
    cat = unicodedata.category(ch)
    if ch.isspace():
        return " ", ""
    if cat in ("Cf", "Cc", "Cs", "Co", "Cn"):
        return "", "invisible"
    if cat in ("Mn", "Me"):
        return "", "marks"
    folded = unicodedata.normalize("NFKC", ch)
    kind = "fancy" if folded != ch and any(c.isalpha() for c in folded) else ""
    if not any(c.isalnum() for c in folded) and unicodedata.category(folded[0])[0] == "S" and folded[0] not in "$%&+<=>^|~№₸₽€£¥°":
        return " ", "emoji"
    folded = "".join(c for c in unicodedata.normalize("NFKC", folded.lower()) if unicodedata.category(c) not in ("Mn", "Me"))
    return folded, kind


def _char_pass(s: str, src: list[int] | None, stats: Obfuscation | None):
    """NFKC, case folding, invisible characters and combining marks."""
    edits = []
    for m in _COMBINING.finditer(s):
        composed = unicodedata.normalize("NFC", m.group(0))
        real = len(composed) == 1 and composed in _COMPOSED_KEEP
        edits.append((m.start(), m.end(), composed if real else m.group(1)))
        if stats is not None and not real:
            stats.marks += len(m.group(2))
    s, src = _apply(s, src, edits)
    edits = []
    for m in _SPECIAL.finditer(s):
        rep, kind = _special(m.group(0))
        edits.append((m.start(), m.end(), rep))
        if stats is not None and kind:
            setattr(stats, kind, getattr(stats, kind) + 1)
    s, src = _apply(s, src, edits)
    low = s.lower()
    if len(low) != len(s):  # a few letters lower-case to two characters; keep the map exact
        low, src = _apply(s, src, [(i, i + 1, c.lower()) for i, c in enumerate(s) if c.lower() != c])
    return low, src


def _sub_edits(pattern: re.Pattern, s: str, keep) -> list[tuple[int, int, str]]:
    """Deletion edits for every character inside a match of pattern that keep() rejects."""
    return [(m.start() + i, m.start() + i + 1, "") for m in pattern.finditer(s) for i, c in enumerate(m.group(0)) if not keep(c)]


def _word_repair(word: str, cyr_text: bool) -> tuple[str, int, int]:
    """Map look-alike letters and leet digits in one word to Cyrillic; return it with the counts.

    Look-alikes inside a Cyrillic word are a disguise. A word written only in Latin letters stays Latin
    (Halyk Bank, Yandex Taxi), and a lone Latin letter in Cyrillic text is read as the letter it looks like
    (пиши B лс) without counting as a disguise (кат. C, витамин C)."""
    cyr = sum(1 for c in word if is_cyrillic(c))
    foreign = sum(1 for c in word if c in _FOREIGN)
    other = sum(1 for c in word if c.isalpha() and not is_cyrillic(c) and c not in _FOREIGN)
    chars, swapped, leet = list(word), 0, 0
    inside = cyr and (not other or cyr >= foreign + other)
    if foreign and (inside or (not cyr and not other and cyr_text and len(word) == 1)):
        for i, c in enumerate(chars):
            if c in _FOREIGN:
                chars[i] = LOOKALIKE_TO_CYRILLIC[c]
                swapped += 1
        cyr += swapped
        swapped = swapped if inside else 0
    if not cyr and cyr_text and len(word) >= 2 and "@" in word and all(c in _LEET_CHARS for c in word):
        return "".join(LEET_TO_CYRILLIC[c] for c in word), 0, len(word)
    if cyr and _LEET_CHARS.intersection(word):
        letters = sum(1 for c in chars if c.isalpha())
        n = len(chars)
        for m in _DIGIT_RUN.finditer(word):
            a, b = m.span()
            run = m.group(0)
            if not all(c in _LEET_CHARS for c in run):
                continue  # a real number such as 3000 or 10к
            left = chars[a - 1] if a > 0 else ""
            right = chars[b] if b < n else ""
            near = [x for x in (left, right) if x.isalpha()]
            if not near or left.isdigit() or right.isdigit() or any(x.isascii() for x in near):
                continue  # beside a Latin letter it is no Cyrillic letter: @fаst_job is a handle
            inside = len(near) == 2
            # at the edge of a word only a lone digit or anything with @ can be a letter: 300р stays a price
            edge_ok = (len(run) == 1 and (run in "@0" or letters >= 3 or any(x in _VOWELS for x in near))) or "@" in run
            if inside or edge_ok:
                for k in range(a, b):
                    chars[k] = LEET_TO_CYRILLIC[chars[k]]
                leet += len(run)
    return "".join(chars), swapped, leet


def _word_pass(s: str, src: list[int] | None, stats: Obfuscation | None):
    """Collapse spaced letters and split words, then repair scripts word by word."""
    spaced = _sub_edits(_SPACED, s, lambda c: c != " ")
    s, src = _apply(s, src, spaced)
    chain = _sub_edits(_CHAIN, s, str.isalpha)
    s, src = _apply(s, src, chain)
    inner = [(m.start(), m.end(), "") for m in _INNER_SEP.finditer(s)] + [(m.start(), m.end(), "") for m in _INNER_DOT.finditer(s)]
    s, src = _apply(s, src, sorted(inner))
    cyr_letters = len(_CYR_ANY.findall(s))
    cyr_text = cyr_letters >= 0.6 * max(1, len(_PLAIN_LETTER.findall(s)))  # look-alikes do not vote
    edits, swapped, leet, mixed = [], 0, 0, 0
    if cyr_letters:
        found = {m.start(): m for m in _MIXED_WORD.finditer(s)}
        if cyr_text:
            found.update({m.start(): m for m in _LOOKALIKE_WORD.finditer(s) if m.start() not in found})
        for start in sorted(found):
            m = found[start]
            w = m.group(0)
            fixed, n_swap, n_leet = _word_repair(w, cyr_text)
            if fixed != w:
                edits.append((m.start(), m.end(), fixed))
                swapped, leet, mixed = swapped + n_swap, leet + n_leet, mixed + 1
    s, src = _apply(s, src, edits)
    repeats = [(m.start() + 1, m.end(), "") for p in (_REPEAT_LETTER, _REPEAT_PUNCT) for m in p.finditer(s)]
    s, src = _apply(s, src, sorted(repeats))
    if stats is not None:
        stats.spaced += len(spaced)
        stats.separators += len(chain) + len(inner)
        stats.lookalikes += swapped
        stats.leet += leet
        stats.mixed_words += mixed
        stats.repeats += len(repeats)
    return s, src


def _squeeze(s: str, src: list[int] | None):
    """One space between words, none at the ends."""
    edits = [(m.start() + 1, m.end(), "") for m in _SPACES.finditer(s)]
    s, src = _apply(s, src, edits)
    lead = len(s) - len(s.lstrip(" "))
    trail = len(s.rstrip(" "))
    if lead or trail < len(s):
        s, src = s[lead:trail], (src[lead:trail] if src is not None else None)
    return s, src


def _run(text: str, with_offsets: bool):
    stats = Obfuscation()
    s, src = text, (list(range(len(text))) if with_offsets else None)
    for i in range(4):  # repeat until nothing changes, so normalizing twice changes nothing
        before = s
        s, src = _char_pass(s, src, stats if i == 0 else None)
        s, src = _word_pass(s, src, stats if i == 0 else None)
        s, src = _squeeze(s, src)
        if s == before or (i == 0 and s == " ".join(before.lower().split())):
            break  # nothing but case and spacing changed: a second pass would change nothing
    stats.letters = len(_LETTER_ANY.findall(s))
    stats.words = len(s.split())
    return s, src, stats


def normalize(text: str) -> Normalized:
    """Normalize text and keep the offset map and the obfuscation counts."""
    s, src, stats = _run(text, True)
    return Normalized(text, s, src, stats)


@lru_cache(maxsize=128)
def normalized(text: str) -> Normalized:
    """normalize(text), kept for the texts seen last: a text the batch path cannot take is normalized for its
    score, its indicators and its reasons, and each is a few milliseconds. Shared: treat it as read-only."""
    return normalize(text)


def normalize_text(text: str) -> str:
    """Only the normalized text (the scoring path); equal to normalize(text).text."""
    return _run(text, False)[0]


def normalize_with_stats(text: str) -> tuple[str, Obfuscation]:
    """Normalized text and obfuscation counts, without the offset map."""
    s, _, stats = _run(text, False)
    return s, stats
