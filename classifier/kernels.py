"""The batch scorer's compiled loops: one interface over two builds of the same source, `kernels_jit`.

- Ahead of time: a C extension that `make install` builds with numba's pycc (`python -m
  classifier.kernels_build`). It imports in a millisecond and needs no numba when it runs.
- Just in time: numba compiles (or loads from its cache) the loops on first use. Importing numba and loading
  its cache cost most of a second, which every `adrisk score` paid before it read a row.

The built module is used only when it was built from the source and SIGNATURES in this checkout (a digest of
both says so); otherwise, or with ADRISK_KERNELS=jit, numba's. Every call is checked against SIGNATURES in both:
compiled code built for one array type would read another type's memory as its own, so a mismatch raises
TypeError instead.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

# every code point str.split() treats as whitespace
SPACES = np.zeros(0x3001, dtype=np.bool_)
SPACES[[c for c in range(0x3001) if chr(c).isspace()]] = True

# classes of code points for quick_tokens (tokenview.quick_tables builds the table); Q_BULLET: marks the pass
# keeps unless they stand between letters (• ·)
Q_OTHER, Q_DIGIT, Q_LATIN, Q_CYRILLIC, Q_PUNCT, Q_BULLET = range(6)
FANCY_START = 0x1D400  # the mathematical Latin letters (𝐤𝐮𝐫𝐲𝐞𝐫), which the pass folds to plain ones
# what indicator_triggers knows of a code point (bits; `triggers` fills the table) and finds in a text (bits)
C_WORD, C_DIGIT, C_UNUSUAL, C_ODD = 1, 2, 4, 8
T_UNUSUAL, T_LINK, T_AT, T_DOTTED, T_WEB, T_DIGITS, T_CRYPTO, T_ODD = 1, 2, 4, 8, 16, 32, 64, 128

# the argument types of each loop, in numba's notation: `i8[::1]` a contiguous int64 array, `i4[:, :]` a 2-D
# int32 array of any layout, `i8` and `b1` an integer and a bool
_A = "i8[::1]"
_SCRATCH = ("i4[::1]", "i4[::1]", _A, _A)  # linear's and token_weights' counts and ids, reused across calls
SIGNATURES: dict[str, tuple[str, ...]] = {
    "tokenize": ("u4[::1]", _A, "b1[::1]", "u8[::1]", _A),
    "insert": ("u8[::1]", _A, "u8[::1]", _A),
    "first_seen": ("u8[::1]",),
    "texts_plan": (_A, _A, "i8", "i4[:]", *["i4[:, :]"] * 6),
    "row_sums": (_A, "i4[::1]", "i8", "f8[:, ::1]"),
    "linear": (_A, _A, "b1[::1]", "i8", _A, "i4[::1]", "f8[:, ::1]", _A, "i4[::1]", _A, _A, _A, "i8", "f8[:, ::1]",
               "f8[:, ::1]", "f8[::1]", "b1", *_SCRATCH),
    "hash_texts": ("u4[::1]", _A),
    "char_ngrams": ("u4[::1]", _A, "i8", "i8", "u8[::1]"),
    "token_weights": (_A, _A, "b1[::1]", _A, "i4[::1]", _A, "i4[::1]", _A, _A, _A, "i8", "f8[:, ::1]", "f8[:, ::1]",
                      "f8[::1]", "f8[::1]", "f8[::1]", "b1", *_SCRATCH),
    "quick_tokens": ("u4[::1]", _A, _A, "i1[::1]", "u4[::1]", "b1[::1]", "u4[::1]", "u4[::1]", "i1[::1]"),
    "word_ids": ("u4[::1]", _A, "b1[::1]", "u8[::1]", _A),
    "indicator_triggers": ("u4[::1]", _A, "u4[::1]", "i1[::1]"),
}
AOT_MODULE = "_kernels_aot"
_SPEC = re.compile(r"(\w\d)(?:\[(.*)\])?$")


def source_digest() -> int:
    """A 63-bit digest of kernels_jit's source and SIGNATURES: what the built module must have been built from."""
    source = (Path(__file__).with_name("kernels_jit.py").read_bytes() + repr(sorted(SIGNATURES.items())).encode())
    return int.from_bytes(hashlib.sha256(source).digest()[:8], "little") >> 1


def parse(spec: str) -> tuple[np.dtype, int, bool]:
    """(dtype, dimensions (0: a scalar), whether it must be C-contiguous) of one argument's type."""
    code, dims = _SPEC.match(spec.replace(" ", "")).groups()
    if dims is None:
        return np.dtype(code), 0, False
    parts = dims.split(",")
    return np.dtype(code), len(parts), parts[-1] == "::1"


def _common_case(kinds: list[tuple[np.dtype, int, bool]]):
    """One generated test that the arguments are, in the common case, what the loop takes: plain ndarrays of
    the dtype (most often the very object: numpy keeps one per native type), Python ints and bools. The loop
    over the specs cost more than a short call's work (11 µs of linear's 14 on one short text)."""
    names = [f"a{k}" for k in range(len(kinds))]
    tests, env = [], {"_nd": np.ndarray}
    for k, (dtype, ndim, contiguous) in enumerate(kinds):
        a = names[k]
        if ndim == 0:
            tests.append(f"type({a}) is {'bool' if dtype == np.bool_ else 'int'}")
            continue
        env[f"_d{k}"] = dtype
        tests.append(f"type({a}) is _nd and ({a}.dtype is _d{k} or {a}.dtype == _d{k}) and {a}.ndim == {ndim}"
                     + (f" and {a}.flags.c_contiguous" if contiguous else ""))
    exec(f"def common({', '.join(names)}):\n    return {' and '.join(tests)}", env)
    return env["common"]


def _checker(name: str, fn, specs: tuple[str, ...]):
    kinds = [parse(s) for s in specs]

    def check(args) -> None:
        if len(args) != len(kinds):
            raise TypeError(f"kernels.{name} takes {len(kinds)} arguments, not {len(args)}")
        for k, (a, (dtype, ndim, contiguous)) in enumerate(zip(args, kinds)):
            if ndim == 0:
                ok = isinstance(a, (bool, np.bool_)) if dtype == np.bool_ else (
                    isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)))
            else:
                ok = (isinstance(a, np.ndarray) and a.dtype == dtype and a.ndim == ndim
                      and (a.flags.c_contiguous or not contiguous))
            if not ok:
                given = f"{a.dtype}[{a.ndim}-D]" if isinstance(a, np.ndarray) else type(a).__name__
                raise TypeError(f"kernels.{name}: argument {k} is {given}; the loop takes {specs[k]}")

    common, n = _common_case(kinds), len(kinds)

    def checked(*args):
        if len(args) != n or not common(*args):  # anything else (a subclass, a numpy scalar...): the full check
            check(args)
        return fn(*args)

    checked.__name__, checked.__doc__ = name, fn.__doc__
    return checked


def _build() -> tuple[object, str]:
    """The module whose loops are used, and which one it is."""
    if os.environ.get("ADRISK_KERNELS", "").lower() != "jit":
        try:
            built = __import__(f"{__package__}.{AOT_MODULE}", fromlist=["source_digest"])
            if built.source_digest() == source_digest():
                return built, "aot"
        except ImportError:
            pass
    from . import kernels_jit

    return kernels_jit, "jit"


_module, BACKEND = _build()  # BACKEND: "aot" (built ahead of time) or "jit" (numba)


def _loop(name: str):
    return _checker(name, getattr(_module, name), SIGNATURES[name])


tokenize, insert, texts_plan, row_sums, linear = map(_loop, ("tokenize", "insert", "texts_plan", "row_sums", "linear"))
hash_texts, char_ngrams, token_weights, quick_tokens, word_ids, indicator_triggers, first_seen = map(
    _loop, ("hash_texts", "char_ngrams", "token_weights", "quick_tokens", "word_ids", "indicator_triggers",
            "first_seen"))
