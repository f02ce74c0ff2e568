"""Which indicator families each text of a batch is worth searching for, in one compiled pass.

`indicators._wanted` answers it for one text with a dozen scans of regular expressions, most of the time
spent on texts that hold no indicator at all. `kernels.indicator_triggers` finds the same triggers in every
text of a batch at once; tests hold its answer equal to `_wanted` on the corpus and on generated text.
"""
from __future__ import annotations

import re

import numpy as np

from . import kernels as k
from .tokens import _code_points

_FAMILIES = ("link", "email", "handle", "url", "digits", "crypto")
_LOWER_TABLE = 0x3000  # code points lower-cased by table; above it, one that has a lower case is left to _wanted
_EAGER = 0x530  # code points below it (Latin, Cyrillic and their kin) are filled in when the table is made


def _families(bits: int, unusual: frozenset[str]) -> frozenset[str]:
    """_wanted's families from the trigger bits."""
    if bits & k.T_UNUSUAL:
        return unusual
    dotted, at = bits & k.T_DOTTED, bits & k.T_AT
    return frozenset(name for name, on in zip(_FAMILIES, (
        bits & k.T_LINK, at or dotted, at, dotted or bits & k.T_WEB, bits & k.T_DIGITS, bits & k.T_CRYPTO)) if on)


class Triggers:
    """The tables of kernels.indicator_triggers: filled for ASCII and Cyrillic at once, for any other code point
    when a text first brings it (-1, not filled, has every bit: it would read as unusual, all families wanted)."""

    def __init__(self, unusual: re.Pattern, every: frozenset[str]):
        self._unusual = unusual
        self.lower = np.arange(_LOWER_TABLE, dtype=np.uint32)
        self.classes = np.full(0x110000, -1, dtype=np.int8)
        self._fill(np.arange(_EAGER))
        self._sets = [_families(bits, every) for bits in range(k.T_ODD)]

    def _fill(self, cps: np.ndarray) -> None:
        """Lower case and C_* bits of code points: word and digit as `re` reads the lower case, unusual as the
        trigger does."""
        chars = list(map(chr, cps.tolist()))
        lows = [c.lower() for c in chars]
        marked = self._unusual.sub("\0", "".join(chars))  # one character for one: \0 where the trigger fires
        word = [lo.isalnum() or lo == "_" for lo in lows]
        digit = [lo.isdecimal() for lo in lows]
        odd = [len(lo) != 1 or (lo != c and ord(c) >= _LOWER_TABLE) for c, lo in zip(chars, lows)]
        bits = np.where(odd, k.C_ODD, np.multiply(word, k.C_WORD) | np.multiply(digit, k.C_DIGIT))
        low = cps < _LOWER_TABLE
        # the lower case first: a thread that finds the bits filled finds it too (one reading -1 wants more)
        self.lower[cps[low]] = [ord(lo) if len(lo) == 1 else ord(c) for c, lo, keep in zip(chars, lows, low) if keep]
        self.classes[cps] = bits | np.multiply([m == "\0" != c for m, c in zip(marked, chars)], k.C_UNUSUAL)

    def bits(self, texts: list[str]) -> np.ndarray:
        """T_* bits of each text."""
        cp, ends = _code_points(texts)
        high = cp[cp >= _EAGER]  # a few in a hundred: dashes, quotes, emoji
        new = high[self.classes[high] == -1]
        if len(new):
            self._fill(np.asarray(sorted(set(new.tolist())), dtype=cp.dtype))
        return k.indicator_triggers(cp, ends, self.lower, self.classes)

    def wanted(self, texts: list[str], one) -> list[frozenset[str]]:
        """The families of each text; `one` (indicators._wanted) answers for a text this pass cannot read."""
        sets = self._sets
        return [one(t) if b == k.T_ODD else sets[b] for t, b in zip(texts, self.bits(texts).tolist())]
