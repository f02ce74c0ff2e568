"""One reader per input format. Each yields a Row or a Rejected for every non-blank record, numbered as the
source numbers it: the line of a text file, the sheet row of a workbook, the element index of a JSON array,
the record of a Parquet file. Blank records (only whitespace; in a table, every cell empty) are skipped and
not counted, in every format.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from typing import Iterator

import orjson

from .batch import InputError, Rejected, Row
from .sources import HEAD_BYTES, Source, sniff_delimiter

csv.field_size_limit(sys.maxsize)
# written after a delimited file's last line: csv reads a quote left open to the end of the file as one field,
# so a row of it is one left open, not the end of a field that spans lines (private-use characters)
_END = "\ue000adrisk: end of file\ue000"
_BIG = 2.0 ** 63  # orjson reads integers beyond 64 bits as floats: such rows are read again by the json module
_loads = orjson.loads
_UNREAD = object()


def _missing(value) -> str:
    if value is None:
        return "missing text"
    if isinstance(value, str):
        return "empty text"
    return f"text is {type(value).__name__}, not a string"


def _record(obj, n: int, text_field: str, id_field: str, raw, unit: str) -> Row | Rejected:
    """A Row from one parsed JSON value, or why not. Takes ownership of obj (the text and id are popped)."""
    if type(obj) is not dict:
        return Rejected(n, "not a JSON object", _raw(raw), unit)
    text = obj.get(text_field)
    if type(text) is not str or not text or text.isspace():
        return Rejected(n, _missing(text), _raw(raw), unit)
    del obj[text_field]
    return Row(n, obj.pop(id_field, n), text, obj)  # no id field: the row's number, as a .txt line's


def _raw(raw) -> str:
    if isinstance(raw, bytes):
        return raw[:200].decode("utf-8", "replace").rstrip("\r\n")
    return raw if isinstance(raw, str) else ""


def _parse_line(raw: bytes, encoding: str):
    """The JSON value of one line, _UNREAD for a blank line, or a Rejected reason as a str in a tuple."""
    try:
        line = raw.decode(encoding)
    except UnicodeDecodeError:
        return ("invalid UTF-8" if encoding == "utf-8" else f"not valid {encoding}",)
    if not line.strip():
        return _UNREAD
    try:
        return json.loads(line)  # NaN, lone surrogates and big integers: what orjson refuses or rounds
    except json.JSONDecodeError as e:  # its msg is written to be followed by where: "Invalid control character at"
        return (f"malformed JSON ({e.msg.removesuffix(' at')} at column {e.colno})",)
    except ValueError as e:
        return (f"malformed JSON ({e})",)


def read_jsonl(source: Source, text_field: str, id_field: str, encoding: str = "utf-8") -> Iterator[Row | Rejected]:
    """One JSON object a line, parsed by orjson; a line it refuses is looked at again by the json module, so
    NaN, lone surrogates and integers beyond 64 bits read as before and a bad line gets the exact reason."""
    fast = encoding.replace("_", "-").lower() in ("utf-8", "utf8")
    loads, big = _loads, _BIG
    for i, raw in enumerate(source.raw_lines(), 1):
        if i == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        obj = _UNREAD
        if fast:
            try:
                obj = loads(raw)
            except ValueError:
                pass
        if type(obj) is dict:
            for v in obj.values():
                if type(v) is float and (v >= big or v <= -big):  # maybe an integer orjson rounded
                    obj = json.loads(raw)
                    break
            text = obj.get(text_field)
            if type(text) is str and text and not text.isspace():
                del obj[text_field]
                yield Row(i, obj.pop(id_field, i), text, obj)
                continue
        elif obj is _UNREAD:
            obj = _parse_line(raw, encoding)
            if obj is _UNREAD:
                continue
            if type(obj) is tuple:
                yield Rejected(i, obj[0], _raw(raw))
                continue
        yield _record(obj, i, text_field, id_field, raw, "line")


def first_line_is_json(source: Source) -> bool | None:
    """Whether the first non-blank line of the head parses as a JSON object or array (None: no whole line seen)."""
    for line in source.head.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True):
        if not line.strip():
            continue
        if not line.endswith(b"\n") and len(source.head) >= HEAD_BYTES:
            return None
        try:
            return isinstance(json.loads(line), (dict, list))
        except ValueError:
            return False
    return None


def read_json_array(source: Source, text_field: str, id_field: str, encoding: str = "utf-8") -> Iterator[Row | Rejected]:
    """Elements of one JSON array, streamed by ijson (one element in memory at a time), numbered from 0."""
    import ijson

    n = -1
    stream = source.reader()
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf8"):
        stream = _Utf8(stream, encoding)
    elif stream.peek(3)[:3] == b"\xef\xbb\xbf":
        stream.read(3)
    try:
        for n, obj in enumerate(ijson.items(stream, "item", use_float=True)):
            yield _record(obj, n, text_field, id_field, "", "element")
    except (ijson.JSONError, UnicodeDecodeError) as e:
        where = f"after element {n}" if n >= 0 else "before its first element"
        first = str(e).strip().splitlines()[:1] or [type(e).__name__]  # ijson goes on with lines of context
        raise InputError(f"{source.name}: malformed JSON array {where}; the rest cannot be read ({first[0]})") from None


class _Utf8:
    """A byte stream in another encoding read as UTF-8 bytes (ijson reads bytes, and UTF-8 only)."""

    def __init__(self, stream, encoding: str):
        import io

        self.text = io.TextIOWrapper(stream, encoding=encoding)

    def read(self, size: int = -1) -> bytes:
        return self.text.read(size).encode("utf-8")


def read_txt(source: Source, text_field: str, id_field: str, encoding: str) -> Iterator[Row | Rejected]:
    for i, line, raw in source.lines(encoding):
        if line is None:
            yield Rejected(i, _undecodable(encoding), raw.decode("utf-8", "replace"))
        elif line and not line.isspace():
            yield Row(i, i, line)


def _undecodable(encoding: str) -> str:
    return "invalid UTF-8" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else f"not valid {encoding}"


def _blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and (not c or c.isspace())) for c in cells)


class CsvInput:
    """A delimited text file: the header is read (and the text column checked) before any row."""

    def __init__(self, source: Source, text_field: str, id_field: str, encoding: str, delimiter: str | None,
                 default_delimiter: str):
        self.source, self.text_field, self.id_field, self.encoding = source, text_field, id_field, encoding
        self.bad: list[Rejected] = []
        self.line = 0
        self._lines = source.lines(encoding)
        first = self._first_line()
        if first is not None and first.lower().startswith("sep=") and len(first) == 5:  # Excel's own hint
            delimiter = delimiter or first[4]
            first = self._first_line()
        self.delimiter = delimiter or (sniff_delimiter(first, default_delimiter) if first else default_delimiter)
        self._pending = first
        self.reader = csv.reader(self._decoded(), delimiter=self.delimiter)
        try:
            self.header = next(self.reader)
        except StopIteration:
            self.header = []
        except csv.Error as e:
            raise InputError(f"{source.name}: the header cannot be read ({e})") from None
        if self.header == [_END]:  # no header at all: an empty file
            self.header = []
        elif self.header and _END in self.header[-1]:
            raise InputError(f"{source.name}: the header opens a quote that is never closed")
        if text_field not in self.header:
            hint = f" (read with delimiter {self.delimiter!r}; give --delimiter)" if len(self.header) == 1 else ""
            raise InputError(f"{source.name}: no column {text_field!r} (columns: {', '.join(self.header)}){hint}")

    def _first_line(self) -> str | None:
        """The next line that decodes and is not blank, skipped lines counted."""
        for self.line, line, raw in self._lines:
            if line is None:
                raise InputError(f"{self.source.name}: line {self.line} (the header) is not valid {self.encoding}; "
                                 "give --encoding")
            if line.strip():
                return line
        return None

    def _decoded(self) -> Iterator[str]:
        if self._pending is not None:
            yield self._pending + "\n"
        for i, line, raw in self._lines:
            if line is None:  # reported by its number; an empty line in its place keeps the count of lines
                self.bad.append(Rejected(i, _undecodable(self.encoding), raw.decode("utf-8", "replace")))
                line = ""
            yield line + "\n"
        yield _END + "\n"

    def __iter__(self) -> Iterator[Row | Rejected]:
        header, text_field, id_field = self.header, self.text_field, self.id_field
        width = len(header)
        t = header.index(text_field)
        k = header.index(id_field) if id_field in header else None
        others = [(j, name) for j, name in enumerate(header) if j not in (t, k)]
        offset = self.line - 1  # lines skipped before the header (blank lines, a sep= line)
        reader = self.reader
        end = reader.line_num
        while True:
            start = end + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                end = reader.line_num
                yield from self._flush()
                yield Rejected(start + offset, f"malformed CSV ({e})")
                continue
            end = reader.line_num
            yield from self._flush()
            if cells and _END in cells[-1]:
                if cells != [_END]:
                    yield Rejected(start + offset, f"a quote opened on this line is never closed: lines {start + offset}"
                                   f"–{end - 1 + offset}, to the end of the file, were read as one row")
                break
            if not cells or _blank(cells):
                continue
            line = start + offset
            if len(cells) > width:
                yield Rejected(line, "more fields than the header")
                continue
            if len(cells) < width:
                cells = cells + [None] * (width - len(cells))
            text = cells[t]
            if text is None or not text or text.isspace():
                yield Rejected(line, _missing(text))
                continue
            yield Row(line, cells[k] if k is not None else line, text, {name: cells[j] for j, name in others})
        yield from self._flush()

    def _flush(self) -> Iterator[Rejected]:
        if self.bad:
            yield from self.bad
            self.bad.clear()


def _cell(value):
    """A workbook cell as a JSON-friendly value: dates as ISO text."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


class XlsxInput:
    """The first sheet of a workbook, read in openpyxl's read-only mode (rows stream; memory stays flat)."""

    def __init__(self, path: str, text_field: str, id_field: str):
        from openpyxl import load_workbook

        self.path, self.text_field, self.id_field = path, text_field, id_field
        try:
            self.book = load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors for a file that is no workbook
            raise InputError(f"{path}: not a readable .xlsx workbook ({type(e).__name__}: {e})") from None
        sheet = self.book.worksheets[0]
        sheet.reset_dimensions()  # the stored size may be wrong; read every row there is
        self.rows = enumerate(sheet.iter_rows(values_only=True), 1)
        self.header = []
        for self.header_row, cells in self.rows:
            if not _blank(cells):
                self.header = [str(c).strip() if c is not None else f"column{j + 1}" for j, c in enumerate(cells)]
                break
        if text_field not in self.header:
            self.book.close()
            raise InputError(f"{path}: no column {text_field!r} in sheet {sheet.title!r} (columns: "
                             f"{', '.join(self.header)})")

    def __iter__(self) -> Iterator[Row | Rejected]:
        header = self.header
        width = len(header)
        t = header.index(self.text_field)
        k = header.index(self.id_field) if self.id_field in header else None
        others = [(j, name) for j, name in enumerate(header) if j not in (t, k)]
        try:
            for n, cells in self.rows:
                if _blank(cells):
                    continue
                if len(cells) > width and not _blank(cells[width:]):
                    yield Rejected(n, "cells beyond the header's columns", unit="row")
                    continue
                cells = tuple(cells) + (None,) * (width - len(cells))
                text = cells[t]
                if not isinstance(text, str) or not text or text.isspace():
                    yield Rejected(n, _missing(text), unit="row")
                    continue
                yield Row(n, _cell(cells[k]) if k is not None else n, text,
                          {name: _cell(cells[j]) for j, name in others})
        finally:
            self.book.close()


def read_parquet(path: str, text_field: str, id_field: str) -> Iterator[Row | Rejected]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    if text_field not in pf.schema_arrow.names:
        raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(pf.schema_arrow.names)})")

    def rows():
        n = 0
        for batch in pf.iter_batches(batch_size=4096):
            for rec in batch.to_pylist():
                n += 1
                text = rec.pop(text_field)
                if not isinstance(text, str) or not text or text.isspace():
                    yield Rejected(n, _missing(text), unit="row")
                    continue
                yield Row(n, rec.pop(id_field, n), text, rec)

    return rows()
