"""Batch readers and the atomic output file."""
import json
import os
import stat
import threading

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


def test_atomic_output_follows_a_link_and_keeps_the_files_mode(tmp_path):
    target, link = tmp_path / "target.jsonl", tmp_path / "link.jsonl"
    target.write_text("old\n")
    target.chmod(0o600)
    link.symlink_to(target)
    with AtomicOutput(str(link)) as f:
        f.write("new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert target.stat().st_mode & 0o777 == 0o600  # private results stay private
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "target.jsonl"]


def test_atomic_output_writes_into_a_pipe_or_device_instead_of_replacing_it(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with AtomicOutput(str(fifo), binary=True) as f:
        f.write(b"row\n")
    reader.join(10)
    assert got == [b"row\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)  # as a device is: /dev/null stays one


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
    lines = [b.removeprefix(b"\xef\xbb\xbf") if i == 0 else b for i, b in enumerate(lines)]  # a BOM is no text
    expected = [i + 1 for i, b in enumerate(lines) if b.decode("utf-8", "replace").strip()]
    assert [r.line for r in out] == expected


def test_tabular_output_survives_mixed_ids_late_columns_and_no_rows(tmp_path, model_dir):
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    from api.cli import app

    rows = [{"text": "привет"}] * 300 + [{"id": "a1", "text": "курьер 5000 в день"}, {"id": 2, "text": "бухгалтер",
                                                                                      "channel": "@jobs"}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    for out in (tmp_path / "out.parquet", tmp_path / "out.csv"):
        res = CliRunner().invoke(app, ["score", str(src), "-o", str(out), "--model", str(model_dir), "--reasons", "all"])
        assert res.exit_code == 0, res.output
        assert "column(s) channel" in res.stderr  # first seen after the first chunk: reported, not silently lost
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert len(table) == 302 and [r["id"] for r in table[-2:]] == ["a1", "2"] and table[-1]["score"] < 0.5
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"text": ""}) + "\n", encoding="utf-8")
    for out in (tmp_path / "none.parquet", tmp_path / "none.csv"):
        CliRunner().invoke(app, ["score", str(empty), "-o", str(out), "--model", str(model_dir)])
    assert pq.read_table(tmp_path / "none.parquet").num_rows == 0
    assert (tmp_path / "none.csv").read_text().startswith("id,score,risk")


def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path):
    src = tmp_path / "excel.csv"
    src.write_bytes("\ufefftext,id\nпривет,1\n".encode("utf-8"))
    assert [r.text for r in read_rows(str(src))] == ["привет"]
    src = tmp_path / "bom.jsonl"
    src.write_bytes(("\ufeff" + json.dumps({"text": "привет"})).encode("utf-8"))
    assert [r.text for r in read_rows(str(src))] == ["привет"]


def test_atomic_output_to_a_descriptor_writes_into_the_stream_it_names(tmp_path):
    read_end, write_end = os.pipe()
    with AtomicOutput(f"/dev/fd/{write_end}", binary=True) as f:  # as -o /dev/stdout into a pipe
        f.write(b"row\n")
    os.close(write_end)
    assert os.read(read_end, 100) == b"row\n"
    os.close(read_end)
    target = tmp_path / "kept.jsonl"
    target.write_text("OLD\n")
    with open(target, "ab") as appended:  # as >> kept.jsonl with -o /dev/stdout: appended, not replaced
        with AtomicOutput(f"/proc/self/fd/{appended.fileno()}", binary=True) as f:
            f.write(b"row\n")
    assert target.read_text() == "OLD\nrow\n"
