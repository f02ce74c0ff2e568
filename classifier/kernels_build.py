"""Build the batch scorer's loops ahead of time: `python -m classifier.kernels_build` (`make install` runs it).

numba's pycc compiles each function of kernels_jit for its argument types in kernels.SIGNATURES into one C
extension beside this file, with the digest of the source it was built from; it needs a C compiler. The module
appears at its name only when whole. Without it `kernels` uses numba's just-in-time build of the same loops.
"""
from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

from . import kernels

HERE = Path(__file__).resolve().parent


def _numba_type(spec: str):
    from numba import types

    dtype, ndim, contiguous = kernels.parse(spec)
    scalar = types.boolean if dtype.kind == "b" else getattr(types, str(dtype))
    return types.Array(scalar, ndim, "C" if contiguous else "A") if ndim else scalar


def build(out_dir: Path = HERE) -> Path:
    """Compile the loops into out_dir; returns the extension's path."""
    from numba.core import typing
    from numba.core.errors import NumbaPendingDeprecationWarning

    from . import kernels_jit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumbaPendingDeprecationWarning)  # pycc's pending deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        from numba.pycc import CC

        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".kernels-build-") as tmp:
            cc = CC(kernels.AOT_MODULE)
            cc.output_dir = tmp
            cc.verbose = False
            for name, specs in kernels.SIGNATURES.items():
                fn = getattr(kernels_jit, name)
                args = tuple(_numba_type(s) for s in specs)
                fn.compile(args)  # numba infers the return type
                cc.export(name, typing.signature(fn.overloads[args].signature.return_type, *args))(fn.py_func)
            digest = kernels.source_digest()
            cc.export("source_digest", "i8()")(lambda: digest)
            cc.compile()
            (built,) = Path(tmp).glob(f"{kernels.AOT_MODULE}.*")
            target = out_dir / built.name
            built.replace(target)  # one rename within out_dir: whole or not at all
    return target


def main() -> None:
    started = time.perf_counter()
    try:
        path = build()
    except Exception as e:  # no C compiler, a numba without pycc: scoring still works, through numba's JIT
        print(f"adrisk: the loops were not built ahead of time ({type(e).__name__}: {e}); numba compiles them "
              "at first use instead, which adds most of a second to each start", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
