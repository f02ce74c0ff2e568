"""Input formats as people have them: Excel CSVs in a Russian locale, TSV, workbooks, JSON arrays, stdin text."""
import datetime as dt
import json

import pytest

from classifier.batch import InputError, Rejected, Row, read_rows

BAIT = "Нужен закладчик, 20 000 тенге в день, пиши в лс"
LEGIT = "Требуется бухгалтер в ТОО «Арай», оклад 300 000 тенге"


def rows_of(path, **kw):
    return list(read_rows(str(path), **kw))


def test_semicolon_csv_in_cp1251_is_sniffed(tmp_path):
    src = tmp_path / "excel.csv"
    src.write_bytes(f'id;text;source\n1;"{BAIT}";tg\n2;{LEGIT};hh\n'.encode("cp1251"))
    rows = read_rows(str(src))
    got = list(rows)
    assert [(r.id, r.text, r.extra) for r in got] == [("1", BAIT, {"source": "tg"}), ("2", LEGIT, {"source": "hh"})]
    assert any("CP1251" in n for n in rows.notes) and any("';'" in n for n in rows.notes)


def test_a_utf8_csv_with_one_broken_line_stays_utf8(tmp_path):
    src = tmp_path / "mostly.csv"
    src.write_bytes(f'text\n"{BAIT}"\n'.encode() + "Работа".encode("cp1251") + f'\n"{LEGIT}"\n'.encode())
    got = rows_of(src)
    assert [r.text for r in got if isinstance(r, Row)] == [BAIT, LEGIT]
    assert [(r.line, r.reason) for r in got if isinstance(r, Rejected)] == [(3, "invalid UTF-8")]


def test_encoding_and_delimiter_can_be_given(tmp_path):
    src = tmp_path / "koi.csv"
    src.write_bytes(f"id|text\n7|{BAIT}\n".encode("koi8-r"))
    got = rows_of(src, encoding="koi8-r", delimiter="|")
    assert [(r.id, r.text) for r in got] == [("7", BAIT)]
    with pytest.raises(InputError, match="unknown encoding"):
        read_rows(str(src), encoding="klingon")
    with pytest.raises(InputError, match="one character"):
        read_rows(str(src), delimiter="||")


def test_excel_sep_line_and_a_one_column_header_hint(tmp_path):
    src = tmp_path / "sep.csv"
    src.write_text(f"sep=;\ntext;id\n{BAIT};1\n", encoding="utf-8")
    assert [(r.line, r.id) for r in rows_of(src)] == [(3, "1")]  # line numbers of the file, sep= line counted
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("body;id\nпривет;1\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column 'text'"):
        read_rows(str(wrong), delimiter=",")


def test_tsv(tmp_path):
    src = tmp_path / "ads.tsv"
    src.write_text(f"id\ttext\tcity\n1\t{BAIT}\tАлматы\n2\t\tАстана\n", encoding="utf-8")
    got = rows_of(src)
    assert isinstance(got[0], Row) and got[0].extra == {"city": "Алматы"}
    assert isinstance(got[1], Rejected) and (got[1].line, got[1].reason) == (3, "empty text")


def test_utf16_tab_text_as_excel_saves_unicode_text(tmp_path):
    src = tmp_path / "unicode.tsv"
    src.write_bytes(f"text\tid\r\n{BAIT}\t1\r\n".encode("utf-16"))  # with its byte-order mark
    assert [(r.text, r.id) for r in rows_of(src)] == [(BAIT, "1")]


def test_xlsx_rows_are_sheet_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "text", "posted"])
    sheet.append([101, BAIT, dt.datetime(2024, 5, 1, 12, 30)])
    sheet.append([None, None, None])  # blank: skipped, not counted
    sheet.append([103, "   ", None])
    sheet.append([104, 5000, None])
    sheet.append([105, LEGIT, None])
    src = tmp_path / "ads.xlsx"
    book.save(src)
    got = rows_of(src)
    assert [(r.line, r.id, r.extra) for r in got if isinstance(r, Row)] == [
        (2, 101, {"posted": "2024-05-01T12:30:00"}), (6, 105, {"posted": None})]
    assert [(r.line, r.unit, r.reason) for r in got if isinstance(r, Rejected)] == [
        (4, "row", "empty text"), (5, "row", "text is int, not a string")]


def test_xlsx_that_is_not_a_workbook_is_one_clean_error(tmp_path):
    src = tmp_path / "fake.xlsx"
    src.write_text("not a zip", encoding="utf-8")
    with pytest.raises(InputError, match="fake.xlsx: not a readable .xlsx"):
        read_rows(str(src))


def test_json_array_elements_are_numbered_from_0(tmp_path):
    src = tmp_path / "ads.json"
    src.write_text(json.dumps([{"id": "a", "text": BAIT, "views": 1.5}, ["not", "an", "object"], {"id": "c"},
                               {"id": "d", "text": LEGIT}], ensure_ascii=False, indent=1), encoding="utf-8")
    got = rows_of(src)
    assert [(r.line, r.id, r.extra) for r in got if isinstance(r, Row)] == [(0, "a", {"views": 1.5}), (3, "d", {})]
    assert [(r.line, r.unit, r.reason) for r in got if isinstance(r, Rejected)] == [
        (1, "element", "not a JSON object"), (2, "element", "missing text")]


def test_a_broken_json_array_stops_with_where(tmp_path):
    src = tmp_path / "broken.json"
    src.write_text('[{"text": "раз"}, {"text": "два"}, {"text": ', encoding="utf-8")
    with pytest.raises(InputError, match="after element 1") as e:
        rows_of(src)
    assert "\n" not in str(e.value) and str(e.value).endswith("(parse error: premature EOF)")


def test_a_malformed_line_says_what_and_at_which_column(tmp_path):
    src = tmp_path / "ads.jsonl"
    src.write_text('{"id": 1, "text": "a\tb"}\n{"id": 2, "text": "ok",}\n{"id": 3, "text": "ok"}\n', encoding="utf-8")
    got = rows_of(src)
    assert [(r.line, r.reason) for r in got if isinstance(r, Rejected)] == [
        (1, "malformed JSON (Invalid control character at column 21)"),
        (2, "malformed JSON (Expecting property name enclosed in double quotes at column 24)")]
    assert [r.id for r in got if isinstance(r, Row)] == [3]


def test_a_json_file_of_json_lines_is_sniffed(tmp_path):
    src = tmp_path / "lines.json"
    src.write_bytes(("\ufeff" + json.dumps({"id": 1, "text": BAIT}) + "\n" + json.dumps({"id": 2, "text": LEGIT})
                     ).encode("utf-8"))
    assert [(r.line, r.id) for r in rows_of(src)] == [(1, 1), (2, 2)]


def test_id_column_is_chosen(tmp_path):
    src = tmp_path / "ads.csv"
    src.write_text(f'id,ref,text\n1,tg-9,"{LEGIT}"\n', encoding="utf-8")
    [row] = rows_of(src, id_field="ref")
    assert row.id == "tg-9" and row.extra == {"id": "1"}
    src = tmp_path / "ads.jsonl"
    src.write_text(json.dumps({"msg_id": 42, "text": BAIT}) + "\n", encoding="utf-8")
    [row] = rows_of(src, id_field="msg_id")
    assert row.id == 42 and row.extra == {}


def test_integers_beyond_64_bits_keep_every_digit(tmp_path):
    src = tmp_path / "big.jsonl"
    big = 2 ** 70 + 1
    src.write_text(json.dumps({"id": big, "text": BAIT, "n": -big}) + "\n", encoding="utf-8")
    [row] = rows_of(src)
    assert row.id == big and row.extra == {"n": -big}


def test_a_json_null_line_is_rejected_not_skipped(tmp_path):
    src = tmp_path / "null.jsonl"
    src.write_text("null\n" + json.dumps({"text": BAIT}) + "\n", encoding="utf-8")
    got = rows_of(src)
    assert isinstance(got[0], Rejected) and got[0].line == 1 and isinstance(got[1], Row)


def test_a_folder_is_named_as_a_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        read_rows(str(tmp_path))


def test_csv_rejections_carry_the_first_line_of_a_multiline_record(tmp_path):
    src = tmp_path / "multi.csv"
    src.write_bytes(b'id,text\n1,"two\nlines"\n2,"a","b"\n3,\xff\n' + "4,ок\n".encode())
    got = rows_of(src)
    assert [(r.line, r.reason) for r in got if isinstance(r, Rejected)] == [
        (4, "more fields than the header"), (5, "invalid UTF-8")]
    assert [(r.line, r.text) for r in got if isinstance(r, Row)] == [(2, "two\nlines"), (6, "ок")]


BLANKS = ["", "   ", "\t", " \r"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "txt", "json"])
def test_blank_lines_are_skipped_and_not_counted_in_every_format(tmp_path, fmt):
    texts = [BAIT, LEGIT, "ещё одно объявление"]
    if fmt == "jsonl":
        body = [json.dumps({"text": t}, ensure_ascii=False) for t in texts]
    elif fmt in ("csv", "tsv"):
        body = ["text"] + [f'"{t}"' for t in texts]
    elif fmt == "txt":
        body = texts
    else:
        body = ["["] + [json.dumps({"text": t}, ensure_ascii=False) + ("," if i < 2 else "") for i, t in enumerate(texts)] + ["]"]
    lines = []
    for i, line in enumerate(body):
        lines += [line, BLANKS[i % len(BLANKS)]]  # a blank or whitespace-only line after every line
    src = tmp_path / f"blanks.{fmt}"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = rows_of(src)
    assert all(isinstance(r, Row) for r in got) and [r.text for r in got] == texts
    expected = {"json": [0, 1, 2]}.get(fmt, [i + 1 for i, line in enumerate(lines) if line in
                                             [json.dumps({"text": t}, ensure_ascii=False) for t in texts]
                                             + [f'"{t}"' for t in texts] + texts])
    assert [r.line for r in got] == expected  # numbers of the source file, blank lines counted as lines


def test_json_in_another_encoding_when_told(tmp_path):
    lines = tmp_path / "cp.jsonl"
    lines.write_bytes((json.dumps({"id": 1, "text": BAIT}, ensure_ascii=False) + "\n").encode("cp1251"))
    assert [r.text for r in rows_of(lines, encoding="cp1251")] == [BAIT]
    assert isinstance(rows_of(lines)[0], Rejected)  # JSON is UTF-8 unless --encoding says otherwise
    array = tmp_path / "cp.json"
    array.write_bytes(json.dumps([{"id": 1, "text": BAIT}], ensure_ascii=False).encode("cp1251"))
    assert [r.text for r in rows_of(array, encoding="cp1251")] == [BAIT]


def test_a_quote_left_open_to_the_end_of_a_csv_is_reported_with_the_lines_it_took(tmp_path):
    src = tmp_path / "ads.csv"
    src.write_text('id,text\n1,"Бухгалтер,\nоклад 300 000"\n2,"нет кавычки\n3,ещё строка\n4,и ещё\n', encoding="utf-8")
    got = rows_of(src)
    assert [(r.line, r.id, r.text) for r in got if isinstance(r, Row)] == [(2, "1", "Бухгалтер,\nоклад 300 000")]
    assert [(r.line, r.reason) for r in got if isinstance(r, Rejected)] == [
        (4, "a quote opened on this line is never closed: lines 4–6, to the end of the file, were read as one row")]



def test_an_empty_csv_has_no_text_column_rather_than_an_open_quote(tmp_path):
    src = tmp_path / "empty.csv"
    src.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column 'text'"):
        rows_of(src)


def test_a_row_without_an_id_is_known_by_its_number_in_every_format(tmp_path):
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"text": "раз"}\nnot json\n{"id": "x9", "text": "два"}\n{"id": null, "text": "три"}\n'
                     '{"text": "четыре"}\n', encoding="utf-8")
    rows = [r for r in rows_of(jsonl) if isinstance(r, Row)]
    assert [(r.id, r.text) for r in rows] == [(1, "раз"), ("x9", "два"), (None, "три"), (5, "четыре")]
    csv = tmp_path / "a.csv"
    csv.write_text('text\nраз\n"два\nстроки"\nтри\n', encoding="utf-8")
    assert [r.id for r in rows_of(csv) if isinstance(r, Row)] == [2, 3, 5]  # a record's first line
    array = tmp_path / "a.json"
    array.write_text('[{"text": "раз"}, 7, {"text": "три"}]', encoding="utf-8")
    assert [r.id for r in rows_of(array) if isinstance(r, Row)] == [0, 2]  # elements count from 0
    import pandas as pd

    parquet = tmp_path / "a.parquet"
    pd.DataFrame({"text": ["раз", " ", "три"]}).to_parquet(parquet)
    assert [r.id for r in rows_of(parquet) if isinstance(r, Row)] == [1, 3]  # rows count from 1


def test_koi8r_read_as_cp1251_is_named_in_a_warning(tmp_path):
    src = tmp_path / "old.csv"
    src.write_bytes('id,text\n1,"Нужны курьеры в Алматы, оплата каждый день"\n2,Продам диван почти новый\n'
                    .encode("koi8-r"))
    notes = read_rows(str(src)).notes
    assert any("give --encoding koi8-r" in n for n in notes)
    src.write_bytes(src.read_bytes().decode("koi8-r").encode("cp1251"))
    assert not any("give --encoding koi8-r" in n for n in read_rows(str(src)).notes)
