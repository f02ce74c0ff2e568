"""Plain arrays in an .npz archive (what `numpy.load` reads), written so that they can be read in place.

Each member is stored, not deflated (inflating took about as long as building the tables again), and starts
at a multiple of 64 bytes: an extra field pads its local header, as Android's zipalign does, and the .npy
header pads itself to 64. Reading then makes views of the file's bytes instead of copies, and skips zipfile's
per-member CRC check, which the caller's SHA-256 of the whole file makes redundant: 27 ms of each start.
"""
from __future__ import annotations

import io
import struct
import zipfile

import numpy as np

ALIGN = 64
_PAD_ID = 0xD935  # the extra field id zipalign uses for padding
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... file name length, extra field length


def write_npz(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays (no objects) as an .npz archive with aligned, stored members, in name order and with a fixed
    date, so the same arrays always give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            before = out.tell() + _LOCAL_HEADER.size + len(info.filename.encode()) + 4
            info.extra = struct.pack("<HH", _PAD_ID, -before % ALIGN) + bytes(-before % ALIGN)
            archive.writestr(info, buffer.getvalue())
    return out.getvalue()


class _InPlace(io.RawIOBase):
    """A read-only file over a buffer, without the copy io.BytesIO makes of it (zipfile reads only the
    directory and the headers through it)."""

    def __init__(self, view: memoryview):
        self._view, self._at = view, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = 0) -> int:
        self._at = max(0, offset + (0, self._at, len(self._view))[whence])
        return self._at

    def readinto(self, buffer) -> int:
        chunk = self._view[self._at:self._at + len(buffer)]
        buffer[:len(chunk)] = chunk
        self._at += len(chunk)
        return len(chunk)


def read_npz(data: bytes | bytearray) -> dict[str, np.ndarray]:
    """The arrays of an .npz archive. Stored members are views of data (writable if data is a bytearray),
    copied only where a member is not aligned for its type (an archive written by other means); deflated
    members are read by numpy. Object arrays are refused (ValueError), as numpy.load refuses pickles."""
    arrays = {}
    view = memoryview(data)
    with zipfile.ZipFile(_InPlace(view)) as archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if info.compress_type != zipfile.ZIP_STORED:
                arrays[name] = np.lib.format.read_array(archive.open(info), allow_pickle=False)
                continue
            try:
                fields = _LOCAL_HEADER.unpack_from(view, info.header_offset)
            except struct.error:
                fields = (b"",)
            if fields[0] != b"PK\x03\x04":
                raise zipfile.BadZipFile(f"no local header for {info.filename}")
            start = info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
            member = io.BytesIO(view[start:start + min(info.file_size, 1 << 16)])
            version = np.lib.format.read_magic(member)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(member)
            if dtype.hasobject:
                raise ValueError(f"{info.filename} holds Python objects")
            count = int(np.prod(shape, dtype=np.int64))
            if member.tell() + count * dtype.itemsize > info.file_size:
                raise ValueError(f"{info.filename} is shorter than its header says")
            array = np.frombuffer(data, dtype=dtype, count=count, offset=start + member.tell())
            if not array.flags.aligned:
                array = array.copy()
            arrays[name] = array.reshape(shape, order="F" if fortran else "C")
    return arrays
