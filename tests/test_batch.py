"""Batch readers and the atomic output file."""
import json

import pytest

from classifier.batch import AtomicOutput, InputError, Rejected, Row, read_rows


def test_atomic_output_leaves_nothing_on_crash(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        with AtomicOutput(str(target)) as f:
            f.write("half a line")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_output_appears_when_complete(tmp_path):
    target = tmp_path / "out.jsonl"
    with AtomicOutput(str(target)) as f:
        f.write("{}\n")
    assert target.read_text() == "{}\n"


def test_rows_in_equal_rows_out(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": 1, "text": "a"}), "[1, 2]", json.dumps({"id": 3, "text": 5}), json.dumps({"id": 4}),
             json.dumps({"id": 5, "text": "ok"})]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(read_rows(str(src)))
    assert len(rows) == 5
    assert [r.line for r in rows if isinstance(r, Rejected)] == [2, 3, 4]
    assert [r.id for r in rows if isinstance(r, Row)] == [1, 5]


def test_csv_without_the_column_names_the_file(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("body\nhello\n", encoding="utf-8")
    with pytest.raises(InputError, match="in.csv"):
        list(read_rows(str(src)))


def test_parquet_rows(tmp_path):
    import pandas as pd

    src = tmp_path / "in.parquet"
    pd.DataFrame({"id": [1, 2], "text": ["a", None], "src": ["x", "y"]}).to_parquet(src)
    rows = list(read_rows(str(src)))
    assert isinstance(rows[0], Row) and rows[0].extra == {"src": "x"}
    assert isinstance(rows[1], Rejected) and rows[1].line == 2


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b), max_size=12))
def test_every_nonblank_line_is_a_row_or_a_rejection(tmp_path, lines):
    src = tmp_path / "fuzz.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    out = list(read_rows(str(src)))
    expected = [i + 1 for i, b in enumerate(lines) if b.decode("utf-8", "replace").strip()]
    assert [r.line for r in out] == expected
