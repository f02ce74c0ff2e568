"""An input file or stdin as lines of bytes, with its first block held back to sniff the encoding, the CSV
delimiter and whether JSON comes as an array or one object a line.

Encoding rule (CSV, TSV and text; JSON is UTF-8 by its standard): a byte-order mark decides; otherwise the
first 64 KiB are read line by line, and the file is CP1251 (what Excel and Notepad write in a Russian locale)
when more of its non-ASCII lines fail to decode as UTF-8 than decode. CP1251 letters are almost never valid
UTF-8 (a letter byte 0xC0-0xFF must be followed by 0x80-0xBF), so two Cyrillic letters in a row settle it;
a UTF-8 file with a few broken lines stays UTF-8 and those lines are rejected. Anything else (KOI8-R,
UTF-16 without a mark...) needs --encoding.
"""
from __future__ import annotations

import codecs
import io
import sys
from typing import BinaryIO, Iterator

HEAD_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")


def sniff_encoding(head: bytes) -> str:
    """'utf-8', 'utf-16' (by its mark) or 'cp1251' for the first block of a file.

    >>> sniff_encoding("Работа, 5000 в день".encode("cp1251")), sniff_encoding("Работа".encode())
    ('cp1251', 'utf-8')
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pieces = head.split(b"\n")
    if len(pieces) > 1 and len(head) >= HEAD_BYTES:
        pieces = pieces[:-1]  # the last line may be cut in the middle of a character
    good = bad = 0
    for line in pieces:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad += 1
    return "cp1251" if bad > good else "utf-8"


def looks_like_koi8(head: bytes) -> bool:
    """Whether the first block, read as CP1251, is mostly capital Cyrillic letters: KOI8-R's lower-case letters
    sit where CP1251 has its capitals, so KOI8-R text read as CP1251 comes out case-swapped («оХЦОЩ» for
    «Нужны»), which no real text is.

    >>> looks_like_koi8("Нужны курьеры, оплата каждый день".encode("koi8-r"))
    True
    >>> looks_like_koi8("Нужны курьеры, оплата каждый день".encode("cp1251"))
    False
    """
    text = head.decode("cp1251", "replace")
    letters = [c for c in text if "\u0410" <= c <= "\u044f"]
    return len(letters) >= 20 and sum(c <= "\u042f" for c in letters) > 0.6 * len(letters)


def sniff_delimiter(header: str, default: str = ",") -> str:
    """The candidate delimiter found most often outside quotes in a header line.

    >>> sniff_delimiter('id;"text; with a semicolon";source'), sniff_delimiter("text")
    (';', ',')
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=counts.__getitem__)
    return best if counts[best] else default


def ascii_compatible(encoding: str) -> bool:
    """Whether lines can be split on the byte b'\\n' before decoding (not so for UTF-16 or UTF-32)."""
    try:
        return "\n,;a".encode(encoding) == b"\n,;a"
    except LookupError:
        return False


class Source:
    """Bytes of a file or stdin ('-'); `head` is the first block, read without waiting for more than is there."""

    def __init__(self, path: str):
        self.path = path
        self.stream: BinaryIO = sys.stdin.buffer if path == "-" else open(path, "rb")
        read = getattr(self.stream, "read1", self.stream.read)
        head = read(HEAD_BYTES)
        while head and b"\n" not in head and len(head) < HEAD_BYTES:  # a pipe may hand over a line in pieces
            more = read(HEAD_BYTES - len(head))
            if not more:
                break
            head += more
        self.head = head
        self._used = False

    def first_char(self) -> bytes:
        """The first byte that is not whitespace or a byte-order mark (b'' for an empty input)."""
        return self.head.removeprefix(codecs.BOM_UTF8).lstrip()[:1]

    def raw_lines(self) -> Iterator[bytes]:
        """Every line as bytes, line ends kept, the head's lines first."""
        self._claim()
        lines = io.BytesIO(self.head).readlines()
        if lines and not lines[-1].endswith(b"\n"):
            lines[-1] += self.stream.readline()
        yield from lines
        yield from self.stream

    def reader(self) -> BinaryIO:
        """A file-like object that reads the head and then the rest (for ijson and text decoders)."""
        self._claim()
        return io.BufferedReader(_Rejoined(self.head, self.stream), buffer_size=HEAD_BYTES)  # type: ignore[arg-type]

    def lines(self, encoding: str) -> Iterator[tuple[int, str | None, bytes]]:
        """(line number, line decoded without its line end or None if it is not valid in `encoding`, raw bytes);
        a byte-order mark is dropped from the first line."""
        if not ascii_compatible(encoding):
            yield from self._wide_lines(encoding)
            return
        bom = codecs.BOM_UTF8
        for i, raw in enumerate(self.raw_lines(), 1):
            if i == 1 and raw.startswith(bom):
                raw = raw[len(bom):]
            try:
                yield i, raw.decode(encoding).rstrip("\r\n"), raw
            except UnicodeDecodeError:
                yield i, None, raw[:200]

    def _wide_lines(self, encoding: str) -> Iterator[tuple[int, str | None, bytes]]:
        from .batch import InputError

        text = io.TextIOWrapper(self.reader(), encoding=encoding, newline="\n")
        i = 0
        try:
            for i, line in enumerate(text, 1):
                yield i, line.rstrip("\r\n").removeprefix("\ufeff") if i == 1 else line.rstrip("\r\n"), b""
        except UnicodeDecodeError as e:
            raise InputError(f"{self.name}: not valid {encoding} after line {i} ({e.reason})") from None

    @property
    def name(self) -> str:
        return "stdin" if self.path == "-" else self.path

    def close(self) -> None:
        if self.path != "-":
            self.stream.close()

    def _claim(self) -> None:
        if self._used:
            raise RuntimeError("a Source is read once")
        self._used = True


class _Rejoined(io.RawIOBase):
    """The head block followed by the rest of the stream, as one raw stream."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self.head = memoryview(head)
        self.read_rest = getattr(rest, "read1", rest.read)  # what is there, so a slow pipe streams

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        data = self.read_rest(len(buffer))
        buffer[:len(data)] = data
        return len(data)
