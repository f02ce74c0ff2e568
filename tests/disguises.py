"""Common disguises that `classifier.evasions` does not cover, for tests: Latin look-alikes, zero-width characters,
s p a c e d letters, leet digits, emoji noise and a mix; plus every kind of the project's own family.
Deterministic for a seed."""
from __future__ import annotations

import random

from classifier.evasions import KINDS as OWN_KINDS
from classifier.evasions import perturb as own_perturb

_LATIN = dict(zip("аеорсухкАВЕКМНОРСТХ", "aeopcyxkABEKMHOPCTX"))
_LEET = dict(zip("оОзЗаАбчЧ", "0033@@644"))
_ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060"]
_EMOJI = ["🔥", "💰", "✅", "🚀", "💸", "⚡", "👉", "❗", "🤑", "📦"]


def latin_homoglyphs(text: str, r: random.Random) -> str:
    return "".join(_LATIN[c] if c in _LATIN and r.random() < 0.5 else c for c in text)


def zero_width(text: str, r: random.Random) -> str:
    return "".join(c + (r.choice(_ZERO_WIDTH) if c.isalpha() and r.random() < 0.3 else "") for c in text)


def spaced_letters(text: str, r: random.Random) -> str:
    """Some words written letter by letter: з а к л а д."""
    return " ".join(" ".join(w) if len(w) > 3 and w.isalpha() and r.random() < 0.4 else w for w in text.split(" "))


def leet(text: str, r: random.Random) -> str:
    return "".join(_LEET[c] if c in _LEET and r.random() < 0.4 else c for c in text)


def emoji_noise(text: str, r: random.Random) -> str:
    words = text.split(" ")
    out = []
    for w in words:
        out.append(w)
        if r.random() < 0.25:
            out.append(r.choice(_EMOJI) * r.randint(1, 3))
    return " ".join(out)


def mixed(text: str, r: random.Random) -> str:
    return emoji_noise(zero_width(leet(latin_homoglyphs(text, r), r), r), r)


COMMON = {f.__name__: f for f in (latin_homoglyphs, zero_width, spaced_letters, leet, emoji_noise, mixed)}
ALL_KINDS = [*COMMON, *(f"own_{k}" for k in OWN_KINDS)]


def disguise(kind: str, text: str, seed: str) -> str:
    """text disguised with one kind of ALL_KINDS."""
    if kind.startswith("own_"):
        return own_perturb(kind[4:], text, seed)
    return COMMON[kind](text, random.Random(f"{seed}:{kind}"))
