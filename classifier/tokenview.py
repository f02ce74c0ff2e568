"""The full normalization pass seen one token at a time, so a batch scorer can cache it per distinct token.

Most of what `normalize` undoes lives inside one whitespace-separated token. `token_view` replays the pass on
a single token and returns None whenever the answer could depend on the rest of the text; the text-wide
conditions it leaves open (runs of spaced-out letters, the Cyrillic share that decides look-alike words) are
summed from the views by `join_views`. Tests hold the result equal to `normalize_with_stats` on the corpus
and on generated text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .confusables import LOOKALIKE_TO_CYRILLIC
from .normalize import (_CHAIN, _CYR_ANY, _INNER_DOT, _INNER_SEP, _LETTER_ANY, _LOOKALIKE_WORD, _MIXED_WORD,
                        _PLAIN_LETTER, _REPEAT_LETTER, _REPEAT_PUNCT, _SPECIAL, Obfuscation, _apply, _char_pass,
                        _special, _word_repair)

_MARKS = re.compile("[\u0300-\u036f]")
_SECOND_PASS = (_CHAIN, _INNER_SEP, _INNER_DOT, _REPEAT_LETTER, _REPEAT_PUNCT)
_WORDISH = re.compile(r"[\w@]")


@dataclass(frozen=True)
class Variant:
    """A token after the pass: its text, disguised characters, (Cyrillic, other) letters, and whether a
    second pass over a mostly-Cyrillic text would still rewrite a look-alike word in it."""

    text: str
    disguised: int
    letters: int
    script: tuple[int, int]
    lookalike_left: bool
    edge: bool


@dataclass(frozen=True)
class TokenView:
    """`script`: (Cyrillic, other) letters the pass counts before rewriting words; `plain`: the token when the
    text is not mostly Cyrillic; `cyrillic`: when it is (the same object if look-alike words do not matter)."""

    script: tuple[int, int]
    plain: Variant
    cyrillic: Variant


def _script(text: str) -> tuple[int, int]:
    return len(_CYR_ANY.findall(text)), len(_PLAIN_LETTER.findall(text))


def _edge(word: str) -> bool:
    """Could this word join a run of spaced-out letters (it starts or ends with a lone letter)?"""
    first = _LETTER_ANY.match(word[0]) and (len(word) == 1 or not _WORDISH.match(word[1]))
    last = _LETTER_ANY.match(word[-1]) and (len(word) == 1 or not _WORDISH.match(word[-2]))
    return bool(first or last)


@lru_cache(maxsize=1 << 16)
def _rewrite(word: str) -> tuple[str, int]:
    """A word with Cyrillic or made of look-alikes, repaired as in a mostly-Cyrillic text; (text, disguised)."""
    fixed, swapped, leet = _word_repair(word, True)
    return fixed, swapped + leet


def _rewrites(pattern: re.Pattern, word: str) -> list[tuple[int, int, str, int]]:
    return [(m.start(), m.end(), *_rewrite(m.group(0))) for m in pattern.finditer(word) if _rewrite(m.group(0))[0] != m.group(0)]


def _settled(word: str) -> bool:
    """True if a second pass would leave this word as it is (look-alike words aside)."""
    return (word.lower() == word and not any(p.search(word) for p in _SECOND_PASS)
            and all(_special(m.group(0)) == (m.group(0), "") for m in _SPECIAL.finditer(word))
            and not _rewrites(_MIXED_WORD, word))


def _variant(words: list[str], disguised: int, cyrillic: bool) -> Variant | None:
    out, lookalike_left = [], False
    for w in words:
        edits = _rewrites(_MIXED_WORD, w) + (_rewrites(_LOOKALIKE_WORD, w) if cyrillic else [])
        disguised += sum(e[3] for e in edits)
        w, _ = _apply(w, None, sorted(e[:3] for e in edits))
        w, _ = _apply(w, None, sorted((m.start() + 1, m.end(), "") for p in (_REPEAT_LETTER, _REPEAT_PUNCT)
                                      for m in p.finditer(w)))
        if not _settled(w):
            return None
        lookalike_left = lookalike_left or bool(_rewrites(_LOOKALIKE_WORD, w))
        out.append(w)
    edges = [_edge(w) for w in out]
    if len(out) > 1 and any(edges):
        return None  # a spaced-out run could hide inside the token
    text = " ".join(out)
    return Variant(text, disguised, len(_LETTER_ANY.findall(text)), _script(text), lookalike_left, any(edges))


# the commonest tokens, which the pass can only lower-case: a Cyrillic word (or words joined by hyphens, none
# a lone letter) with a bracket, quote or punctuation mark at either end, a Latin word of two or more letters
# likewise (a Latin word stays Latin; only a lone look-alike letter is rewritten), and a plain number
_C = "а-яёәғқңөұүһіА-ЯЁӘҒҚҢӨҰҮҺІ"
_CYRILLIC_WORD = re.compile(rf"[«(\"]?(?:[{_C}]+|[{_C}]{{2,}}(?:-[{_C}]{{2,}})+)[»)\".,!?:;]?")
_LATIN_WORD = re.compile(r"[«(\"]?[A-Za-z]{2,}[»)\".,!?:;]?")
_NUMBER = re.compile(r"\d+(?:[.,:/\-]\d+)*[.,]?", re.ASCII)


# punctuation no step of the pass rewrites inside a word (not: _ * | ~ ` + @, separators and leet), and the signs
# the pass leaves alone
_PLAIN_PUNCT = ("".join(c for c in map(chr, range(0x21, 0x7f)) if not c.isalnum() and c not in "_*|~`+@")
                + "«»№—–…“”‘’₸₽€£¥°")


def quick_tables(size: int = 0x2200) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What kernels.quick_tokens needs, for code points below size: each one's class (kernels.Q_*), its lower
    case, and whether it is a plain letter (for a Latin word's script); for each mathematical letter from
    kernels.FANCY_START, the plain lower-case Latin letter the pass folds it to as a disguise (0: none); and
    for each ASCII code point, the Cyrillic letter a lower-case Latin look-alike is rewritten to (0: none)."""
    from . import kernels as k

    classes = np.zeros(size, dtype=np.int8)
    lower = np.arange(size, dtype=np.uint32)
    plain = np.zeros(size, dtype=np.bool_)
    cyrillic = re.compile(f"[{_C}]")
    for cls, chars in ((k.Q_DIGIT, "0123456789"), (k.Q_PUNCT, _PLAIN_PUNCT), (k.Q_BULLET, "•·"),
                       (k.Q_LATIN, [chr(c) for c in range(0x80) if re.fullmatch("[A-Za-z]", chr(c))]),
                       (k.Q_CYRILLIC, [chr(c) for c in range(0x400, 0x530) if cyrillic.fullmatch(chr(c))])):
        for ch in chars:
            classes[ord(ch)] = cls
            if cls in (k.Q_LATIN, k.Q_CYRILLIC):
                lower[ord(ch)] = ord(ch.lower())
                plain[ord(ch.lower())] = _PLAIN_LETTER.fullmatch(ch.lower()) is not None
    fancy = np.zeros(0x2A4, dtype=np.uint32)  # U+1D400-U+1D6A3: bold, italic, script... A-Z and a-z
    for j in range(len(fancy)):
        rep, kind = _special(chr(k.FANCY_START + j))
        if kind == "fancy" and len(rep) == 1 and "a" <= rep <= "z":
            fancy[j] = ord(rep)
    lookalike = np.zeros(0x80, dtype=np.uint32)
    for latin, cyrillic in LOOKALIKE_TO_CYRILLIC.items():
        if ord(latin) < 0x80:
            lookalike[ord(latin)] = ord(cyrillic)
    return classes, lower, plain, fancy, lookalike


STRIP_FROM = 0x530  # code points below it (Latin, Cyrillic and what quick_tables reads) are never stripped


def strip_kind(ch: str) -> int:
    """What the pass does with ch, for kernels.quick_tokens' strip table: 1 writes a space (an emoji), 2 drops
    it as a disguise (an invisible character or a mark), 0 anything else."""
    if ord(ch) < STRIP_FROM or not _SPECIAL.match(ch) or ch.isspace():
        return 0
    rep, kind = _special(ch)
    return 1 if (rep, kind) == (" ", "emoji") else 2 if rep == "" and kind in ("invisible", "marks") else 0


def _quick_view(token: str) -> TokenView | None:
    """The view of a plain word or number without replaying the pass; None for anything else."""
    if _NUMBER.fullmatch(token):
        v = Variant(token, 0, 0, (0, 0), False, False)
        return TokenView((0, 0), v, v)
    cyrillic = _CYRILLIC_WORD.fullmatch(token)
    if cyrillic or _LATIN_WORD.fullmatch(token):
        word = token.lower()
        if _REPEAT_LETTER.search(word) or len(word) != len(token):
            return None
        letters = sum(c.isalpha() for c in word)
        script = (letters, letters) if cyrillic else _script(word)
        v = Variant(word, 0, letters, script, False, _edge(word))
        return TokenView(script, v, v)
    return None


def token_view(token: str) -> TokenView | None:
    """How one raw token (no whitespace) normalizes, or None when only the full pass over the text can tell."""
    return _quick_view(token) or replay_view(token)


def replay_view(token: str) -> TokenView | None:
    """token_view by replaying every step of the pass on the token."""
    disguised = 0
    if _MARKS.search(token):
        stats = Obfuscation()
        token, _ = _char_pass(token, None, stats)
        disguised = stats.disguised
    elif _SPECIAL.search(token):
        parts = []
        for ch in token:
            rep, kind = _special(ch) if _SPECIAL.match(ch) else (ch, "")
            disguised += kind in ("invisible", "marks", "fancy")
            parts.append(rep)
        token = "".join(parts)
    words = []
    for w in token.lower().split():
        if _CHAIN.search(w):
            return None
        inner = sorted((m.start(), m.end(), "") for p in (_INNER_SEP, _INNER_DOT) for m in p.finditer(w))
        disguised += len(inner)
        words.append(_apply(w, None, inner)[0])
    plain = _variant(words, disguised, False)
    if plain is None:
        return None
    lookalikes = any(_rewrites(_LOOKALIKE_WORD, w) for w in words)
    cyrillic = _variant(words, disguised, True) if lookalikes else plain
    if cyrillic is None:
        return None
    return TokenView(_script(" ".join(words)), plain, cyrillic)


def _mostly_cyrillic(cyr: int, other: int) -> bool:
    return cyr >= 0.6 * max(1, other)


def join_views(views: list[TokenView]) -> tuple[str, float] | None:
    """(normalized text, disguised share) of a text from its tokens' views, or None if the full pass must run."""
    cyr = _mostly_cyrillic(sum(v.script[0] for v in views), sum(v.script[1] for v in views))
    chosen = [v.cyrillic if cyr else v.plain for v in views]
    if any(c.lookalike_left for c in chosen) and _mostly_cyrillic(sum(c.script[0] for c in chosen),
                                                                 sum(c.script[1] for c in chosen)):
        return None
    kept = [c for c in chosen if c.text]
    run = 0
    for c in kept:
        run = run + 1 if c.edge else 0
        if run >= 4:
            return None
    disguised = sum(c.disguised for c in chosen)
    letters = sum(c.letters for c in kept)
    return " ".join(c.text for c in kept), min(1.0, disguised / max(letters, 1))
