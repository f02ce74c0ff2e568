"""Stream rows from JSONL, CSV, text or Parquet, score them in chunks, write results; never lose a row.

Every input row is either scored or rejected with its line number and a reason, so
rows read = rows scored + rows rejected.
"""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TextIO

FORMATS = ("jsonl", "csv", "txt", "parquet")
csv.field_size_limit(sys.maxsize)


class InputError(Exception):
    """The input as a whole cannot be read (missing file, unknown format); names the file."""


@dataclass
class Row:
    """One input row: its line (or record) number, id, text, and the other columns to keep."""

    line: int
    id: object
    text: str
    extra: dict = field(default_factory=dict)


@dataclass
class Rejected:
    """A row that could not be scored and why."""

    line: int
    reason: str
    raw: str = ""


@dataclass
class Summary:
    """Counts of one batch run."""

    read: int = 0
    scored: int = 0
    rejected: int = 0


def detect_format(path: str, given: str | None = None) -> str:
    """The format named by `given`, else by the file's extension (stdin defaults to JSONL)."""
    if given:
        if given not in FORMATS:
            raise InputError(f"unknown format {given!r}: use one of {', '.join(FORMATS)}")
        return given
    if path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower().lstrip(".")
    known = {"jsonl": "jsonl", "json": "jsonl", "ndjson": "jsonl", "csv": "csv", "txt": "txt", "parquet": "parquet",
             "pq": "parquet"}
    if suffix not in known:
        raise InputError(f"{path}: cannot tell the format from '.{suffix}'; give --format {'|'.join(FORMATS)}")
    return known[suffix]


def _text_lines(path: str) -> Iterator[tuple[int, str | None, bytes]]:
    """(line number, decoded line or None if not UTF-8, raw bytes) for a file or stdin ('-')."""
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    try:
        for i, raw in enumerate(stream, 1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
                yield i, (line.removeprefix("\ufeff") if i == 1 else line), raw  # a BOM, as Excel writes
            except UnicodeDecodeError:
                yield i, None, raw[:200]
    finally:
        if path != "-":
            stream.close()


def _check_text(value, line: int, extra: dict, rid, raw: str = "") -> Row | Rejected:
    if not isinstance(value, str):
        reason = "missing text" if value is None else f"text is {type(value).__name__}, not a string"
        return Rejected(line, reason, raw[:200])
    if not value.strip():
        return Rejected(line, "empty text", raw[:200])
    return Row(line, rid, value, extra)


def read_jsonl(path: str, text_field: str = "text") -> Iterator[Row | Rejected]:
    for i, line, raw in _text_lines(path):
        if line is None:
            yield Rejected(i, "invalid UTF-8", raw.decode("utf-8", "replace"))
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            yield Rejected(i, f"malformed JSON ({e.msg})", line[:200])
            continue
        if not isinstance(obj, dict):
            yield Rejected(i, "not a JSON object", line[:200])
            continue
        extra = {k: v for k, v in obj.items() if k not in (text_field, "id")}
        yield _check_text(obj.get(text_field), i, extra, obj.get("id"), line)


def read_txt(path: str, text_field: str = "text") -> Iterator[Row | Rejected]:
    for i, line, raw in _text_lines(path):
        if line is None:
            yield Rejected(i, "invalid UTF-8", raw.decode("utf-8", "replace"))
        elif line.strip():
            yield Row(i, i, line)


def read_csv(path: str, text_field: str = "text") -> Iterator[Row | Rejected]:
    lines = _text_lines(path)
    bad: list[Rejected] = []

    def decoded():
        for i, line, raw in lines:
            if line is None:
                bad.append(Rejected(i, "invalid UTF-8", raw.decode("utf-8", "replace")))
                continue
            yield line + "\n"

    reader = csv.DictReader(decoded())
    header_checked = False
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            yield Rejected(reader.line_num, f"malformed CSV ({e})")
            continue
        yield from bad
        bad.clear()
        if not header_checked:
            header_checked = True
            if text_field not in (reader.fieldnames or []):
                raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(reader.fieldnames or [])})")
        line = reader.line_num
        if None in rec:
            yield Rejected(line, "more fields than the header")
            continue
        extra = {k: v for k, v in rec.items() if k not in (text_field, "id")}
        yield _check_text(rec.get(text_field), line, extra, rec.get("id"))
    yield from bad


def read_parquet(path: str, text_field: str = "text") -> Iterator[Row | Rejected]:
    import pyarrow.parquet as pq

    if path == "-":
        raise InputError("Parquet cannot be read from stdin; give a file")
    pf = pq.ParquetFile(path)
    if text_field not in pf.schema_arrow.names:
        raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(pf.schema_arrow.names)})")
    n = 0
    for batch in pf.iter_batches(batch_size=4096):
        for rec in batch.to_pylist():
            n += 1
            extra = {k: v for k, v in rec.items() if k not in (text_field, "id")}
            yield _check_text(rec.get(text_field), n, extra, rec.get("id"))


READERS: dict[str, Callable[..., Iterator[Row | Rejected]]] = {
    "jsonl": read_jsonl, "csv": read_csv, "txt": read_txt, "parquet": read_parquet}


def read_rows(path: str, fmt: str | None = None, text_field: str = "text") -> Iterator[Row | Rejected]:
    """Rows of a file or stdin ('-'); unreadable rows come back as Rejected, never raised."""
    fmt = detect_format(path, fmt)
    if path != "-" and not Path(path).is_file():
        raise InputError(f"{path}: no such file")
    if path != "-" and not os.access(path, os.R_OK):
        raise InputError(f"{path}: not readable")
    return READERS[fmt](path, text_field)


class AtomicOutput:
    """A text or binary file that appears at its final name only when closed without error."""

    def __init__(self, path: str, binary: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
        self.file = os.fdopen(fd, "wb") if binary else io.open(fd, "w", encoding="utf-8", newline="")

    def __enter__(self):
        return self.file

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.file.flush()
                os.fsync(self.file.fileno())
            self.file.close()
            if exc_type is None:
                os.chmod(self.tmp, 0o644)
                os.replace(self.tmp, self.path)
        finally:
            if Path(self.tmp).exists():
                Path(self.tmp).unlink()
        return False


def result_record(row: Row, result: dict, keep_extra: bool = True) -> dict:
    """The output object for one row: the input's id, its other columns, then the result fields."""
    out = {"id": row.id} if row.id is not None else {"id": None}
    if keep_extra:
        out.update({k: v for k, v in row.extra.items() if k not in result})
    out.update({k: v for k, v in result.items() if k != "id"})
    return out


RESULT_FIELDS = ("score", "risk", "category", "probabilities", "reasons", "flags", "model_version")


def _cell(key: str, value):
    """A value for a CSV or Parquet cell: scores stay numbers; nested fields become JSON; the rest text."""
    if value is None or key == "score":
        return value
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class Writer:
    """Writes result records as JSONL, or as CSV/Parquet with the columns of the first records (nested fields
    as JSON, ids and input columns as text). Input columns first seen after the first chunk cannot join a
    table already started: they are left out and listed in `dropped`."""

    def __init__(self, stream: TextIO | None, fmt: str, path: str | None = None):
        self.stream, self.fmt, self.path = stream, fmt, path
        self.columns: list[str] | None = None
        self.dropped: set[str] = set()
        self._csv = None
        self._pq = None

    def write(self, records: list[dict]) -> None:
        if not records:
            return
        if self.fmt == "jsonl":
            self.stream.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
            return
        if self.columns is None:
            seen = dict.fromkeys(k for r in records for k in r if k not in RESULT_FIELDS)
            self.columns = [*seen, *RESULT_FIELDS]
        known = set(self.columns)
        self.dropped.update(k for r in records for k in r if k not in known)
        rows = [{k: _cell(k, r.get(k)) for k in self.columns} for r in records]
        self._rows(rows)

    def _rows(self, rows: list[dict]) -> None:
        if self.fmt == "csv":
            if self._csv is None:
                self._csv = csv.DictWriter(self.stream, fieldnames=self.columns)
                self._csv.writeheader()
            self._csv.writerows(rows)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._pq is None:
            schema = pa.schema([(k, pa.float64() if k == "score" else pa.string()) for k in self.columns])
            self._pq = pq.ParquetWriter(self.stream, schema)
        self._pq.write_table(pa.Table.from_pylist(rows, schema=self._pq.schema))

    def close(self) -> None:
        if self.fmt != "jsonl" and self.columns is None:  # nothing scored: still a readable, empty table
            self.columns = ["id", *RESULT_FIELDS]
            self._rows([])
        if self._pq is not None:
            self._pq.close()
