"""The loops built ahead of time are the ones in use, give what numba's build of the same source gives on every
call a scorer makes, and refuse arguments of another type instead of reading them as their own."""
import copy
import shutil

import numpy as np
import pytest

from classifier import kernels
from classifier.scorer import Scorer
from tests.test_fast import PIECES
from training.corpus import written_examples

needs_built = pytest.mark.skipif(kernels.BACKEND != "aot", reason="the loops are not built ahead of time here "
                                 "(see test_loops_are_built_ahead_of_time)")


def test_loops_are_built_ahead_of_time():
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler on this machine, so make install cannot build the loops; numba's JIT is used")
    assert kernels.BACKEND == "aot", ("the loops were not built from this source: `make install` (or python -m "
                                      "classifier.kernels_build) builds them")


@needs_built
def test_built_loops_equal_numbas_on_every_call(monkeypatch):
    from classifier import kernels_jit

    calls = []

    def recording(name, loop):
        def call(*args):  # copies: the callers change these arrays afterwards
            before = copy.deepcopy(args)
            result = loop(*args)
            calls.append((name, before, copy.deepcopy(args), copy.deepcopy(result)))
            return result
        return call

    for name in kernels.SIGNATURES:
        monkeypatch.setattr(kernels, name, recording(name, getattr(kernels, name)))
    texts = written_examples()["text"].sample(300, random_state=3).tolist()
    texts += [" ".join(PIECES[i::7]) for i in range(7)] + ["", "   ", "\n\n", "漢字 テスト ★★★ 𝕜𝕦𝕣𝕪𝕖𝕣"]
    scorer = Scorer.load()  # a new scorer builds its tables through the loops too
    scorer.records(texts, explain=True)
    assert {name for name, *_ in calls} == set(kernels.SIGNATURES)
    for name, before, after, result in calls:
        args = copy.deepcopy(before)
        expected = getattr(kernels_jit, name)(*args)
        for got, want in zip(result if isinstance(result, tuple) else [result],
                             expected if isinstance(expected, tuple) else [expected]):
            np.testing.assert_array_equal(got, want, err_msg=name)
        for changed, want in zip(after, args):  # what a loop writes into its arguments (insert's table)
            if isinstance(want, np.ndarray):
                np.testing.assert_array_equal(changed, want, err_msg=name)


def test_an_argument_of_another_type_is_refused():
    cp = np.frombuffer("курьер 5000".encode("utf-32-le"), dtype=np.uint32)
    ends = np.array([len(cp)], dtype=np.int64)
    assert kernels.hash_texts(cp, ends).dtype == np.uint64
    with pytest.raises(TypeError, match="argument 0 is int64"):
        kernels.hash_texts(cp.astype(np.int64), ends)
    with pytest.raises(TypeError, match=r"takes u4\[::1\]"):
        kernels.hash_texts(np.repeat(cp, 2)[::2], ends)  # not contiguous
    with pytest.raises(TypeError, match="takes 2 arguments"):
        kernels.hash_texts(cp)
    with pytest.raises(TypeError, match="argument 2 is bool"):
        kernels.char_ngrams(cp, ends, True, 5, np.zeros(32, np.uint64))
    with pytest.raises(TypeError, match=r"argument 1 is >i8"):  # the other byte order is not the type
        kernels.hash_texts(cp, ends.astype(">i8"))


def test_what_the_common_case_test_lets_past_the_full_check_takes_too():
    cp = np.frombuffer("курьер".encode("utf-32-le"), dtype=np.uint32)
    ends = np.array([len(cp)], dtype=np.int64)
    expected = kernels.hash_texts(cp, ends)
    # a subclass, a numpy integer: not the common case, but what the loop takes
    assert kernels.hash_texts(cp.view(np.memmap), ends) == expected
    table = np.zeros(32, np.uint64)
    assert [x.tolist() for x in kernels.char_ngrams(cp, ends, np.int64(2), 5, table)] == \
        [x.tolist() for x in kernels.char_ngrams(cp, ends, 2, 5, table)]


def test_a_build_from_other_source_is_not_used(monkeypatch):
    monkeypatch.setattr(kernels, "source_digest", lambda: -1)
    module, backend = kernels._build()
    assert backend == "jit" and module.__name__ == "classifier.kernels_jit"
