"""Evasion tricks, for testing that normalization undoes them (the family, not one script's choices).

>>> fullwidth("abc", __import__("random").Random(0))
'ａｂｃ'
"""
from __future__ import annotations

import random

GREEK = dict(zip("аеорсхкмтвнАЕОРСХКМТВН", "αεορςχκμτβηΑΕΟΡϹΧΚΜΤΒΗ"))
LATIN = dict(zip("аеорсухкАВЕКМНОРСТХ", "aeopcyxkABEKMHOPCTX"))
DIGITS = dict(zip("оОзЗаАбчЧ", "0033@@644"))
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
COMBINING = ["\u0301", "\u0336", "\u0335", "\u0332", "\u0489", "\u0307"]
SEPARATORS = [".", "_", "*", "·", "-", "|"]
MATH_BOLD_LOWER = {c: chr(0x1D41A + i) for i, c in enumerate("abcdefghijklmnopqrstuvwxyz")}


def _per_char(text, table, r, p):
    return "".join(table[c] if c in table and r.random() < p else c for c in text)


def greek(text, r):
    return _per_char(text, GREEK, r, 0.6)


def latin(text, r):
    return _per_char(text, LATIN, r, 0.6)


def fullwidth(text, r):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def math_letters(text, r):
    """Latin look-alikes first, then mathematical bold for the Latin letters."""
    return "".join(MATH_BOLD_LOWER.get(c, c) for c in latin(text, r))


def combining(text, r):
    return "".join(c + (r.choice(COMBINING) if c.isalpha() and r.random() < 0.3 else "") for c in text)


def invisible(text, r):
    return "".join(c + (r.choice(INVISIBLE) if c.isalpha() and r.random() < 0.4 else "") for c in text)


def separators(text, r):
    sep = r.choice(SEPARATORS)
    return " ".join(sep.join(w) if len(w) > 3 and w.isalpha() and r.random() < 0.5 else w for w in text.split(" "))


def digits(text, r):
    return _per_char(text, DIGITS, r, 0.5)


def mixture(text, r):
    return invisible(combining(digits(greek(latin(text, r), r), r), r), r)


KINDS = {f.__name__: f for f in (greek, latin, fullwidth, math_letters, combining, invisible, separators, digits, mixture)}


def perturb(kind: str, text: str, seed: str) -> str:
    """Text disguised with one trick; deterministic for a seed."""
    return KINDS[kind](text, random.Random(f"{seed}:{kind}"))
