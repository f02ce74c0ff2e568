"""Output for spreadsheets (CSV, Parquet) and for programs (JSONL)."""
import io
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from api.cli import app
from classifier.batch import InputError, Row
from classifier.result import CATEGORIES
from classifier.writers import Writer, output_format

BAIT = "Нужен закладчик, 20 000 тенге в день, пиши в лс"
LEGIT = "Требуется бухгалтер в ТОО «Арай», оклад 300 000 тенге"
P_COLUMNS = [f"p_{c}" for c in CATEGORIES]


def result(**more) -> dict:
    return {"id": None, "score": 0.91, "risk": "medium", "category": "drug_courier",
            "probabilities": {"drug_courier": 0.9, "scam_recruitment": 0.01, "legit_job": 0.05, "not_recruitment": 0.04},
            "reasons": [{"text": "пиши в лс", "start": 36, "end": 45, "weight": 1.2},
                        {"text": "закладчик", "start": 6, "end": 15, "weight": 3.1}],
            "flags": [{"name": "dm_only", "text": "пиши в лс", "start": 36, "end": 45},
                      {"name": "drug_slang", "text": "закладчик", "start": 6, "end": 15}],
            "model_version": "test", **more}


def written(fmt: str, rows, results, echo=None):
    stream = io.BytesIO()
    writer = Writer(stream, fmt, echo_text=echo)
    writer.write(rows, results)
    writer.close()
    stream.seek(0)
    return stream


def test_csv_has_a_column_per_probability_and_readable_reasons():
    stream = written("csv", [Row(2, "a1", BAIT, {"channel": "@jobs"})], [result()])
    frame = pd.read_csv(stream)
    assert list(frame.columns) == ["id", "channel", "score", "risk", "category", *P_COLUMNS, "reasons", "flags",
                                   "model_version"]
    row = frame.iloc[0]
    assert row["p_drug_courier"] == 0.9 and row["score"] == 0.91
    assert row["reasons"] == "«пиши в лс» +1.20; «закладчик» +3.10"
    assert row["flags"] == "dm_only «пиши в лс»; drug_slang «закладчик»"


def test_columns_named_like_results_or_frame_attributes_are_renamed():
    extra = {"score": "5", "count": "2", "index": "i", "values": "v", "T": "t", "p_legit_job": "x", "channel": "c",
             "input_score": "taken"}
    for fmt in ("csv", "parquet"):
        stream = written(fmt, [Row(1, 1, BAIT, dict(extra))], [result()])
        frame = pd.read_csv(stream) if fmt == "csv" else pd.read_parquet(stream)
        assert {"input_input_score", "input_count", "input_index", "input_values", "input_T", "input_p_legit_job",
                "channel"} <= set(frame.columns)
        assert str(frame["input_input_score"][0]) == "5"  # the input's score; its own input_score keeps its name
        assert frame["input_score"][0] == "taken"
        assert frame["score"][0] == 0.91  # the result keeps its own name
    line = json.loads(written("jsonl", [Row(1, 1, BAIT, dict(extra))], [result()]).read())
    assert line["input_input_score"] == "5" and line["input_score"] == "taken" and line["count"] == "2"
    assert line["score"] == 0.91 and isinstance(line["probabilities"], dict)  # JSONL stays nested


def test_text_is_echoed_only_when_asked():
    rows = [Row(1, 1, BAIT, {})]
    assert "text" not in pd.read_csv(written("csv", rows, [result()])).columns
    assert pd.read_csv(written("csv", rows, [result()], echo="text"))["text"][0] == BAIT
    assert "text" not in json.loads(written("jsonl", rows, [result()]).read())
    assert json.loads(written("jsonl", rows, [result()], echo="body").read())["body"] == BAIT


def test_a_new_list_of_spans_field_becomes_a_readable_column_without_code_changes():
    more = {"indicators": [{"name": "crypto_pay", "text": "в USDT", "start": 1, "end": 7}],
            "lowering": [{"text": "официальное трудоустройство", "start": 0, "end": 27, "weight": -0.5}],
            "novelty": 0.25}
    frame = pd.read_parquet(written("parquet", [Row(1, 1, BAIT, {})], [result(**more)]))
    assert frame["indicators"][0] == "crypto_pay «в USDT»"
    assert frame["lowering"][0] == "«официальное трудоустройство» -0.50"
    assert frame["novelty"].dtype == "float64" and frame["p_legit_job"].dtype == "float64"


def test_parquet_types_and_text_ids():
    table = pq.read_table(written("parquet", [Row(1, 7, BAIT, {}), Row(2, "a7", BAIT, {})], [result(), result()]))
    assert table.column("id").to_pylist() == ["7", "a7"]
    assert str(table.schema.field("score").type) == "double" and str(table.schema.field("reasons").type) == "string"


def test_an_empty_table_still_has_every_column():
    assert pd.read_csv(written("csv", [], [])).columns.tolist() == [
        "id", "score", "risk", "category", *P_COLUMNS, "reasons", "lowering", "flags", "indicators", "model_version"]
    assert pq.read_table(written("parquet", [], [])).num_rows == 0


def test_values_orjson_refuses_are_still_written():
    rows = [Row(1, 2 ** 70, "x", {"note": "broken \ud800 surrogate"})]
    line = json.loads(written("jsonl", rows, [result()]).read())
    assert line["id"] == 2 ** 70 and line["note"] == "broken \ud800 surrogate"  # escaped, so it round-trips
    assert "broken \ufffd surrogate" in written("csv", rows, [result()]).read().decode("utf-8")


def test_output_format_errors_name_the_option():
    with pytest.raises(InputError, match="--output-format"):
        output_format("scored.xlsx")
    with pytest.raises(InputError, match="--output-format"):
        output_format(None, "xml")
    assert output_format("out.json") == "jsonl" and output_format(None) == "jsonl"


def test_cli_csv_output_is_flat_and_jsonl_nested(tmp_path, model_dir):
    src = tmp_path / "ads.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t, "count": i}, ensure_ascii=False)
                             for i, t in enumerate([BAIT, LEGIT])), encoding="utf-8")
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["score", str(src), "-o", str(out), "--echo-text", "--model", str(model_dir)])
    assert res.exit_code == 0, res.stderr
    frame = pd.read_csv(out)
    assert frame["text"].tolist() == [BAIT, LEGIT] and frame["input_count"].tolist() == [0, 1]
    assert frame[P_COLUMNS].sum(axis=1).round(4).tolist() == [1.0, 1.0]
    assert "закладчик" in frame["flags"][0] and not frame["reasons"][0].startswith("[")
    res = CliRunner().invoke(app, ["score", str(src), "--model", str(model_dir)])
    first = json.loads(res.stdout.splitlines()[0])
    assert isinstance(first["reasons"], list) and {"text", "start", "end", "weight"} <= set(first["reasons"][0])
    assert BAIT[first["reasons"][0]["start"]:first["reasons"][0]["end"]] == first["reasons"][0]["text"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_one_write_per_chunk(fmt):
    class Counting(io.BytesIO):
        writes = 0

        def write(self, data):
            Counting.writes += 1
            return super().write(data)

    writer = Writer(Counting(), fmt)
    for _ in range(3):
        writer.write([Row(i, i, BAIT, {"channel": "c"}) for i in range(500)], [result() for _ in range(500)])
    assert Counting.writes == 3


def test_plain_tables_keep_numbers_as_numbers():
    from classifier.writers import write_table

    records = [{"kind": "telegram", "texts": 3, "max_score": 0.9, "ids": ["a", "b"]},
               {"kind": "phone", "texts": 1, "max_score": None, "ids": []}]
    buffer = io.BytesIO()
    write_table(buffer, "parquet", records, ["kind", "texts", "max_score", "ids"])
    table = pq.read_table(io.BytesIO(buffer.getvalue()))
    assert [str(t) for t in table.schema.types] == ["string", "int64", "double", "string"]
    assert table.to_pylist()[0]["texts"] == 3 and table.to_pylist()[1]["max_score"] is None
    buffer = io.BytesIO()
    write_table(buffer, "csv", records, ["kind", "texts", "max_score", "ids"])
    assert buffer.getvalue().decode().splitlines()[0] == "kind,texts,max_score,ids"
