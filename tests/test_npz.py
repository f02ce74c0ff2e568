"""The model's .npz archives: written aligned, read in place, equal to what numpy reads."""
import io
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from classifier.npz import ALIGN, read_npz, write_npz

ARRAYS = {"floats": np.linspace(0, 1, 1001), "ints": np.arange(-5, 300, dtype=np.int64).reshape(5, 61),
          "bytes": np.frombuffer("курьер\noffice".encode(), dtype=np.uint8), "empty": np.zeros(0, dtype=np.uint8),
          "flag": np.asarray([True]), "keys": np.arange(7, dtype=np.uint64) << 60, "fortran": np.asfortranarray(
              np.arange(12, dtype=np.int32).reshape(3, 4))}


def _same(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for k in want:
        assert got[k].dtype == want[k].dtype and got[k].shape == want[k].shape and np.array_equal(got[k], want[k])


def test_arrays_read_back_as_views_of_the_buffer_and_as_numpy_reads_them():
    data = bytearray(write_npz(ARRAYS))
    got = read_npz(data)
    _same(got, ARRAYS)
    _same(dict(np.load(io.BytesIO(bytes(data)))), ARRAYS)
    whole = np.frombuffer(data, dtype=np.uint8)
    assert all(np.shares_memory(got[k], whole) for k in got if got[k].size)
    assert all(got[k].flags.writeable and got[k].flags.aligned for k in got)
    got["floats"][0] = 7.0  # a view of the buffer: the bytes change with it
    assert read_npz(data)["floats"][0] == 7.0


def test_members_start_aligned_and_the_same_arrays_give_the_same_bytes():
    data = write_npz(ARRAYS)
    assert data == write_npz(dict(reversed(ARRAYS.items())))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            start = info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26:info.header_offset + 28],
                                                             "little") \
                + int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
            assert start % ALIGN == 0 and archive.read(info)[:6] == b"\x93NUMPY"


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
def test_archives_numpy_wrote_read_the_same_unaligned_or_deflated(save):
    buffer = io.BytesIO()
    save(buffer, **ARRAYS)
    _same(read_npz(buffer.getvalue()), ARRAYS)


def test_object_arrays_and_broken_archives_are_refused():
    buffer = io.BytesIO()
    np.savez(buffer, objects=np.asarray([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="objects"):
        read_npz(buffer.getvalue())
    data = write_npz(ARRAYS)
    with pytest.raises(zipfile.BadZipFile):
        read_npz(data[:len(data) // 2])
    broken = bytearray(data)
    at = broken.index(b"'descr'")
    broken[at:at + 7] = b"'dexcr'"  # a header without the keys numpy needs
    with pytest.raises(ValueError):
        read_npz(broken)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
                       hnp.arrays(st.sampled_from([np.uint8, np.int32, np.int64, np.uint64, np.float64, np.bool_]),
                                  hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=9)), max_size=6))
def test_any_plain_arrays_read_back_equal(arrays):
    got = read_npz(bytearray(write_npz(arrays)))
    assert sorted(got) == sorted(arrays)
    for k, a in arrays.items():
        assert got[k].dtype == a.dtype and got[k].shape == a.shape
        assert np.array_equal(got[k], a, equal_nan=a.dtype.kind == "f")
