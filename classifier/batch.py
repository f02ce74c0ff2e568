"""Read rows from JSONL, JSON arrays, CSV/TSV, text, Excel workbooks or Parquet; never lose a row.

Every non-blank input record is either a Row or a Rejected with its number (line, sheet row or array element)
and a reason, so rows read = rows scored + rows rejected. Formats live in `readers`, sniffing in `sources`,
output in `writers`.
"""
from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

FORMATS = ("jsonl", "json", "csv", "tsv", "txt", "xlsx", "parquet")
EXTENSIONS = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "json", "csv": "csv", "tsv": "tsv", "tab": "tsv",
              "txt": "txt", "xlsx": "xlsx", "xlsm": "xlsx", "parquet": "parquet", "pq": "parquet"}
STDIN_HINT = "stdin does not look like JSONL; for one text a line use --format txt"


class InputError(Exception):
    """The input as a whole cannot be read (missing file, unknown format); names the file."""


@dataclass(slots=True)
class Row:
    """One input row: its number in the source, id, text, and the other columns to keep."""

    line: int
    id: object
    text: str
    extra: dict = field(default_factory=dict)


@dataclass(slots=True)
class Rejected:
    """A record that could not be scored and why; `unit` says what `line` counts (line, row or element)."""

    line: int
    reason: str
    raw: str = ""
    unit: str = "line"


@dataclass
class Summary:
    """Counts of one batch run."""

    read: int = 0
    scored: int = 0
    rejected: int = 0


class Rows:
    """The rows of one input, read lazily; `notes` say what was sniffed when it was not the default."""

    def __init__(self, rows: Iterator[Row | Rejected], notes: list[str] | None = None):
        self._rows, self.notes = rows, notes or []

    def __iter__(self) -> Iterator[Row | Rejected]:
        return iter(self._rows)


def detect_format(path: str, given: str | None = None) -> str:
    """The format named by `given`, else by the file's extension. 'json' (also stdin's default) means a JSON
    array or JSON lines, whichever the content starts with."""
    if given:
        if given not in FORMATS:
            raise InputError(f"unknown format {given!r}: use one of {', '.join(FORMATS)}")
        return given
    if path == "-":
        return "json"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in EXTENSIONS:
        raise InputError(f"{path}: cannot tell the format from '.{suffix}'; give --format {'|'.join(FORMATS)}")
    return EXTENSIONS[suffix]


def _check_path(path: str) -> None:
    if path == "-":
        return
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path} is a folder; give one file (a folder of files: --engine dask with a glob "
                         f"such as '{p / '*.jsonl'}')")
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: not readable")


def read_rows(path: str, fmt: str | None = None, text_field: str = "text", id_field: str = "id",
              encoding: str | None = None, delimiter: str | None = None) -> Rows:
    """Rows of a file or stdin ('-'); unreadable rows come back as Rejected, never raised. The header (and
    the text column) is checked here, before any row is read. CSV, TSV and text files are UTF-8 or CP1251
    (sniffed; see `sources`) unless `encoding` is given; CSV's delimiter is sniffed from its header."""
    from . import readers
    from .sources import Source, looks_like_koi8, sniff_encoding

    given = fmt
    _check_path(path)
    fmt = detect_format(path, fmt)
    if encoding:
        try:
            encoding = codecs_name(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}") from None
    delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)  # type: ignore[arg-type]
    if delimiter is not None and len(delimiter) != 1:
        raise InputError(f"--delimiter takes one character, not {delimiter!r} (for a tab: tab)")
    if fmt in ("parquet", "xlsx"):
        if path == "-":
            raise InputError(f"{fmt.capitalize()} cannot be read from stdin; give a file")
        if fmt == "parquet":
            return Rows(readers.read_parquet(path, text_field, id_field))
        return Rows(iter(readers.XlsxInput(path, text_field, id_field)))
    source = Source(path)
    notes = []
    if fmt == "json":
        if source.first_char() == b"[":
            fmt = "array"
        else:
            fmt = "jsonl"
            if path == "-" and given is None and readers.first_line_is_json(source) is False:
                source.close()
                raise InputError(STDIN_HINT)
    if fmt in ("jsonl", "array"):
        read = readers.read_jsonl if fmt == "jsonl" else readers.read_json_array
        return Rows(_closing(read(source, text_field, id_field, encoding or "utf-8"), source))
    if encoding is None:
        encoding = sniff_encoding(source.head)
        if encoding != "utf-8":
            notes.append(f"{source.name}: read as {encoding.upper()} (sniffed; --encoding overrides)")
        if encoding == "cp1251" and looks_like_koi8(source.head):
            notes.append(f"{source.name}: warning: read as CP1251 it is mostly capital letters, as KOI8-R text "
                         "is; if it is KOI8-R, give --encoding koi8-r")
    if fmt == "txt":
        return Rows(_closing(readers.read_txt(source, text_field, id_field, encoding), source), notes)
    try:
        table = readers.CsvInput(source, text_field, id_field, encoding, delimiter, "\t" if fmt == "tsv" else ",")
    except InputError:
        source.close()
        raise
    if delimiter is None and table.delimiter != ("\t" if fmt == "tsv" else ","):
        notes.append(f"{source.name}: delimiter {table.delimiter!r} (sniffed from the header; --delimiter overrides)")
    return Rows(_closing(iter(table), source), notes)


def codecs_name(encoding: str) -> str:
    """The codec's canonical name ('CP1251' -> 'cp1251', 'utf8' -> 'utf-8'); LookupError if unknown."""
    import codecs

    return codecs.lookup(encoding).name


def _closing(rows: Iterator[Row | Rejected], source) -> Iterator[Row | Rejected]:
    try:
        yield from rows
    finally:
        source.close()


class AtomicOutput:
    """A text or binary file that appears at its final name only when closed without error. A symbolic link is
    followed (its target is replaced, the link stays); an existing file keeps its permissions, and a new one
    gets those the umask gives. A device or a pipe (/dev/null, a FIFO) is written straight into: it cannot be
    replaced, and renaming over it would put a plain file in its place."""

    def __init__(self, path: str, binary: bool = False):
        self.path = Path(os.path.realpath(path))
        self.tmp = None
        text = {} if binary else {"encoding": "utf-8", "newline": ""}
        fd = _descriptor(str(path))
        if fd is not None:  # /dev/stdout and the like: the stream the shell set up, appending where it says
            self.file = open(os.dup(fd), "wb" if binary else "w", **text)
            return
        try:
            existing = os.stat(self.path)
        except FileNotFoundError:
            existing = None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            self.file = open(self.path, "wb" if binary else "w", **text)
            return
        self.mode = stat.S_IMODE(existing.st_mode) if existing else 0o666 & ~_umask()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        self.file = os.fdopen(fd, "wb") if binary else io.open(fd, "w", encoding="utf-8", newline="")

    def __enter__(self):
        return self.file

    def __exit__(self, exc_type, exc, tb):
        if self.tmp is None:  # a device or a pipe
            self.file.close()
            return False
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if exc_type is None:
                os.chmod(self.tmp, self.mode)
                os.replace(self.tmp, self.path)
        finally:
            if Path(self.tmp).exists():
                Path(self.tmp).unlink()
        return False


_FD = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")


def _descriptor(path: str) -> int | None:
    """The open file descriptor a path names (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N), or None."""
    named = {"/dev/stdout": 1, "/dev/stderr": 2}.get(path)
    found = _FD.fullmatch(path)
    return named if named is not None else int(found.group(1)) if found else None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
