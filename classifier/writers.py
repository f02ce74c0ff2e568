"""Write scored rows as JSONL (the nested result), or as CSV/Parquet tables made for spreadsheets.

A record is the input's id, its other columns, the text when echoed, then the result fields. In tables:
- a dict of numbers becomes one column per key (`probabilities` -> `p_drug_courier`, ...; any other such
  field `name` -> `name_key`);
- a list of spans (`{text, start, end, ...}` objects) or of strings becomes one readable string, items joined
  by "; ", each `name «text» +weight` with the name and weight when the item has them; other lists and dicts
  are JSON;
- an input column named like an output column, or (in tables) like a pandas DataFrame attribute (`count`,
  `index`, `values`, `T`, ...), is renamed `input_<name>` (more `input_` until the name is free).
Every chunk is one write to the stream (one row group in Parquet).
"""
from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import orjson

from .batch import InputError, Row
from .categories import CATEGORIES

OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
_OUT_EXTENSIONS = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "csv": "csv", "parquet": "parquet",
                   "pq": "parquet"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def output_format(path: str | None, given: str | None = None) -> str:
    """The output format: `given`, else from the file name's extension; stdout is JSONL."""
    if given:
        if given not in OUTPUT_FORMATS:
            raise InputError(f"unknown output format {given!r}: --output-format takes {', '.join(OUTPUT_FORMATS)}")
        return given
    if not path or path == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in _OUT_EXTENSIONS:
        raise InputError(f"{path}: cannot tell the output format from '.{suffix}'; give --output-format "
                         f"{'|'.join(OUTPUT_FORMATS)}")
    return _OUT_EXTENSIONS[suffix]


@lru_cache(maxsize=1)
def frame_attributes() -> frozenset[str]:
    """Public attribute names of pandas.DataFrame, which a column of the same name would be shadowed by."""
    import pandas as pd

    return frozenset(n for n in dir(pd.DataFrame) if not n.startswith("_"))


def free_name(name: str, taken) -> str:
    """`name`, or `input_name` (`input_input_name`, ...) if taken.

    >>> free_name("score", {"score", "risk"}), free_name("channel", {"score"})
    ('input_score', 'channel')
    """
    while name in taken:
        name = f"input_{name}"
    return name


def renamed(names, taken) -> dict[str, str]:
    """Output name of each input column: its own, or for one named like a `taken` name, `input_<name>` with
    more `input_` until it is free of the taken names and of the other columns.

    >>> renamed(["score", "input_score", "channel"], {"score"})
    {'score': 'input_input_score', 'input_score': 'input_score', 'channel': 'channel'}
    """
    used = set(taken) | {n for n in names if n not in taken}
    out = {}
    for n in names:
        if n in taken:
            n2 = free_name(n, used)
            used.add(n2)
            out[n] = n2
        else:
            out[n] = n
    return out


def readable(items: list) -> str:
    """A list of spans as one string.

    >>> readable([{"text": "пиши в лс", "start": 0, "end": 9, "weight": 1.2}])
    '«пиши в лс» +1.20'
    >>> readable([{"name": "dm_only", "text": "пиши в лс", "start": 0, "end": 9}, {"name": "x", "text": "y"}])
    'dm_only «пиши в лс»; x «y»'
    """
    parts = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            part = f"«{item['text']}»"
            if item.get("name") is not None:
                part = f"{item['name']} {part}"
            weight = item.get("weight")
            if isinstance(weight, (int, float)) and not isinstance(weight, bool):
                part += f" {weight:+.2f}"
        elif isinstance(item, str):
            part = item
        else:
            part = _json_text(item)
        parts.append(part)
    return "; ".join(parts)


def _json_text(value) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, default=str)


def encode_result(result: dict) -> bytes:
    """A result without its id as the rest of a JSONL line: its JSON after the opening brace, with the newline.
    `Writer.write_encoded` puts `{"id":...,` before it."""
    try:
        return orjson.dumps(result, option=_NEWLINE)[1:]
    except TypeError:  # what orjson cannot encode, the json module escapes
        return json.dumps(result).encode()[1:] + b"\n"


def _decoded(encoded: bytes) -> dict:
    return orjson.loads(b"{" + encoded)


def _is_numbers(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values())


def _template_result() -> dict:
    """The fields of a result, for a table with no rows."""
    from .result import Result

    return Result.model_construct(score=0.0, risk="low", category="", probabilities=dict.fromkeys(CATEGORIES, 0.0),
                                  model_version="").model_dump()


class Writer:
    """Writes rows and their results to a binary stream as JSONL, CSV or Parquet. Table columns are fixed by
    the first chunk; input columns first seen later are left out of tables and listed in `dropped`."""

    def __init__(self, stream: BinaryIO, fmt: str, echo_text: str | None = None):
        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"unknown output format {fmt!r}: --output-format takes {', '.join(OUTPUT_FORMATS)}")
        self.stream, self.fmt, self.echo_text = stream, fmt, echo_text
        self.columns: list[str] | None = None
        self.dropped: set[str] = set()
        self._plan = None
        self._pq = None
        self._csv_header = False

    def write(self, rows: list[Row], results: list[dict]) -> None:
        """One chunk: rows[i] was scored as results[i]."""
        if not rows:
            return
        if self.fmt == "jsonl":
            self.stream.write(self._jsonl(rows, results))
        else:
            self._table(rows, results)

    def write_encoded(self, rows: list[Row], results: list[bytes]) -> None:
        """One chunk of JSONL whose results[i] is `encode_result` of rows[i]'s result: the line is the id and
        the encoded result, the same bytes as `write` gives; a row with other columns (or its text echoed) is
        written as `write` does."""
        if self.fmt != "jsonl":
            self.write(rows, [_decoded(r) for r in results])
            return
        out, dumps, plain = [], orjson.dumps, self.echo_text is None
        for row, res in zip(rows, results):
            if plain and not row.extra:
                try:
                    out += (b'{"id":', dumps(row.id), b",", res)
                    continue
                except TypeError:  # an id orjson cannot encode (an integer beyond 64 bits)
                    pass
            out.append(self._jsonl([row], [_decoded(res)]))
        self.stream.write(b"".join(out))

    # JSONL: the nested record; an input key named like a result field becomes input_<key>
    def _jsonl(self, rows: list[Row], results: list[dict]) -> bytes:
        dumps, echo = orjson.dumps, self.echo_text
        out = []
        for row, res in zip(rows, results):
            res.pop("id", None)
            extra = row.extra
            if echo is not None:
                extra = {**extra, echo: row.text}
            if extra and ("id" in extra or not extra.keys().isdisjoint(res)):
                names = renamed(list(extra), {"id", *res})
                extra = {names[k]: v for k, v in extra.items()}
            rec = {"id": row.id, **extra, **res} if extra else {"id": row.id, **res}
            try:
                out.append(dumps(rec, option=_NEWLINE))
            except TypeError:  # lone surrogates, integers beyond 64 bits: the json module escapes or keeps them
                out.append(json.dumps(rec).encode() + b"\n")
        return b"".join(out)

    # CSV and Parquet
    def _make_plan(self, rows: list[Row], results: list[dict]) -> None:
        first = {k: v for k, v in (results[0] if results else _template_result()).items() if k != "id"}
        result_cols = []  # (column, field, key or None, kind)
        for field, value in first.items():
            if _is_numbers(value):
                prefix = "p" if field == "probabilities" else field
                result_cols += [(f"{prefix}_{k}", field, k, "float") for k in value]
            elif isinstance(value, bool):
                result_cols.append((field, field, None, "bool"))
            elif isinstance(value, (int, float)):
                result_cols.append((field, field, None, "float"))
            else:
                result_cols.append((field, field, None, "text"))
        taken = {"id", *(c for c, *_ in result_cols)} | frame_attributes()
        inputs = list(dict.fromkeys(k for r in rows for k in r.extra))
        names = renamed(inputs + ([self.echo_text] if self.echo_text is not None else []), taken)
        input_cols = [(names[k], k) for k in inputs]
        echo = names[self.echo_text] if self.echo_text is not None else None
        self._plan = (input_cols, echo, result_cols)
        self.columns = ["id", *(n for n, _ in input_cols), *([echo] if echo else []), *(c for c, *_ in result_cols)]

    def _cells(self, rows: list[Row], results: list[dict]) -> list[list]:
        input_cols, echo, result_cols = self._plan
        known = {k for _, k in input_cols}
        out = []
        for row, res in zip(rows, results):
            extra = row.extra
            if extra.keys() - known:
                self.dropped.update(extra.keys() - known)
            cells = [None if row.id is None else str(row.id)]
            cells += [_text_cell(extra.get(k)) for _, k in input_cols]
            if echo:
                cells.append(row.text)
            for _, field, key, kind in result_cols:
                value = res.get(field)
                if key is not None:
                    value = value.get(key) if isinstance(value, dict) else None
                cells.append(_typed(value, kind))
            out.append(cells)
        return out

    def _table(self, rows: list[Row], results: list[dict]) -> None:
        if self._plan is None:
            self._make_plan(rows, results)
        cells = self._cells(rows, results)
        if self.fmt == "csv":
            self._write_csv(cells)
        else:
            self._write_parquet(cells)

    def _write_csv(self, cells: list[list]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if not self._csv_header:
            writer.writerow(self.columns)
            self._csv_header = True
        writer.writerows(cells)
        text = buffer.getvalue()
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a JSON escape: U+FFFD, as the scorer reads it
            data = _SURROGATE.sub("\ufffd", text).encode("utf-8")
        self.stream.write(data)

    def _write_parquet(self, cells: list[list]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._pq is None:
            kinds = {c: kind for c, _, _, kind in self._plan[2]}
            types = {"float": pa.float64(), "bool": pa.bool_(), "text": pa.string()}
            schema = pa.schema([(c, types[kinds.get(c, "text")]) for c in self.columns])
            self._pq = pq.ParquetWriter(self.stream, schema)
        columns = list(zip(*cells)) if cells else [[] for _ in self.columns]
        try:
            table = pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(columns, self._pq.schema)],
                                         schema=self._pq.schema)
        except (UnicodeEncodeError, pa.ArrowException):
            columns = [[_SURROGATE.sub("\ufffd", v) if isinstance(v, str) else v for v in col] for col in columns]
            table = pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(columns, self._pq.schema)],
                                         schema=self._pq.schema)
        self._pq.write_table(table)

    def close(self) -> None:
        """Finish the table (an empty one, with its header or schema, when nothing was scored)."""
        if self.fmt != "jsonl" and self._plan is None:
            self._make_plan([], [])
            if self.fmt == "csv":
                self._write_csv([])
            else:
                self._write_parquet([])
        if self._pq is not None:
            self._pq.close()
            self._pq = None


def _is_spans(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("text"), str)) for v in value)


def _text_cell(value):
    """A value in a table as text: a list of spans (or of strings) readable, other lists and dicts as JSON."""
    if value is None or isinstance(value, str):
        return value
    if _is_spans(value):
        return readable(value)
    if isinstance(value, (list, dict)):
        return _json_text(value)
    return str(value)


def _typed(value, kind: str):
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    return _text_cell(value)


def write_table(stream: BinaryIO, fmt: str, records: list[dict], columns: list[str]) -> None:
    """Plain records (not scored rows, e.g. the indicator and campaign tables) to a binary stream: JSONL as
    they are, CSV/Parquet with these columns, numbers kept as numbers and lists made readable as in Writer."""
    if fmt == "jsonl":
        stream.write(b"".join(orjson.dumps(r, option=_NEWLINE | orjson.OPT_NON_STR_KEYS) for r in records))
        return
    kinds = {}
    for c in columns:
        sample = next((r[c] for r in records if r.get(c) is not None), None)
        kinds[c] = ("bool" if isinstance(sample, bool) else "int" if isinstance(sample, int)
                    else "float" if isinstance(sample, float) else "text")
    cells = [[r.get(c) if kinds[c] != "text" else _text_cell(r.get(c)) for c in columns] for r in records]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(cells)
        stream.write(_SURROGATE.sub("\ufffd", buffer.getvalue()).encode("utf-8"))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "text": pa.string()}
    schema = pa.schema([(c, types[kinds[c]]) for c in columns])
    arrays = [pa.array([row[k] for row in cells], type=types[kinds[c]]) for k, c in enumerate(columns)]
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), stream)
