"""The `adrisk` command, driven through click's test runner (and as a process where signals matter)."""
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import app
from services import wait_for

runner = CliRunner()
BAIT = "Нужен закладчик, 20 000 ₸ в день, пиши в лс"
LEGIT = "Требуется бухгалтер в ТОО «Арай», график 5/2, официальное трудоустройство, оклад 300 000 ₸"


def run(*args, input=None):
    return runner.invoke(app, list(map(str, args)), input=input)


def test_score_jsonl_keeps_order_and_ids(tmp_path, model_dir):
    src = tmp_path / "ads.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                             for i, t in [("a", LEGIT), ("b", BAIT), ("c", LEGIT)]) + "\n", encoding="utf-8")
    res = run("score", src, "--model", model_dir)
    assert res.exit_code == 0, res.output
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["score"] > rows[0]["score"]
    for r in rows:
        assert {"score", "risk", "reasons", "model_version", "category", "probabilities", "flags"} <= set(r)


def test_malformed_line_is_reported_and_the_rest_scored(tmp_path, model_dir):
    src = tmp_path / "ads.jsonl"
    src.write_text(json.dumps({"id": 1, "text": BAIT}) + "\n{broken\n" + json.dumps({"id": 3, "text": ""}) + "\n"
                   + json.dumps({"id": 4, "text": LEGIT}) + "\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    res = run("score", src, "--model", model_dir, "--errors", errors)
    assert res.exit_code == 1
    assert "line 2: malformed JSON" in res.stderr and "line 3: empty text" in res.stderr
    assert [json.loads(l)["id"] for l in res.stdout.splitlines()] == [1, 4]
    assert "rows read 4, scored 2, rejected 2" in res.stderr
    assert [json.loads(l)["line"] for l in errors.read_text().splitlines()] == [2, 3]


def test_invalid_utf8_is_a_rejected_row(tmp_path, model_dir):
    src = tmp_path / "ads.txt"
    src.write_bytes(BAIT.encode() + b"\n\xff\xfe bad\n" + LEGIT.encode() + b"\n")
    res = run("score", src, "--model", model_dir)
    assert res.exit_code == 1 and "line 2: invalid UTF-8" in res.stderr
    assert [json.loads(l)["id"] for l in res.stdout.splitlines()] == [1, 3]


def test_csv_with_chosen_column_keeps_other_columns(tmp_path, model_dir):
    src = tmp_path / "ads.csv"
    src.write_text(f'id,body,source\n1,"{BAIT}",tg\n2,"{LEGIT}",hh\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    res = run("score", src, "--column", "body", "-o", out, "--model", model_dir)
    assert res.exit_code == 0, res.stderr
    import pandas as pd

    frame = pd.read_csv(out)
    assert list(frame["source"]) == ["tg", "hh"] and frame["score"][0] > frame["score"][1]


def test_stdin_and_parquet_output(tmp_path, model_dir):
    out = tmp_path / "out.parquet"
    res = run("score", "-", "-o", out, "--model", model_dir, input=json.dumps({"id": 7, "text": BAIT}) + "\n")
    assert res.exit_code == 0, res.stderr
    import pandas as pd

    assert pd.read_parquet(out)["id"].tolist() == ["7"]  # ids are text in tables: a file may mix 7 and "a7"


def test_missing_model_is_one_line(tmp_path):
    res = run("score", "-", "--model", tmp_path, input="{}\n")
    assert res.exit_code == 2
    assert "make train" in res.stderr and "Traceback" not in res.output + res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_unreadable_input_names_the_file(tmp_path, model_dir):
    res = run("score", tmp_path / "nope.jsonl", "--model", model_dir)
    assert res.exit_code == 2 and "nope.jsonl" in res.stderr


def test_explain_json(model_dir):
    res = run("explain", BAIT, "--model", model_dir, "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["risk"] in {"medium", "high"}


def test_explain_terminal_view(model_dir):
    res = run("explain", "-", "--model", model_dir, input=BAIT)
    assert res.exit_code == 0 and "risk" in res.stdout and "flags" in res.stdout


def test_risk_thresholds_can_be_overridden(model_dir):
    res = run("explain", LEGIT, "--model", model_dir, "--json", "--medium", "0", "--high", "0")
    assert json.loads(res.stdout)["risk"] == "high"


def test_evaluate_prints_metrics(tmp_path, model_dir):
    src = tmp_path / "gold.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t, "label": l, "group": "g"}, ensure_ascii=False)
                             for i, (t, l) in enumerate([(BAIT, "drug_courier"), (LEGIT, "legit_job")])), encoding="utf-8")
    res = run("evaluate", src, "--model", model_dir)
    assert res.exit_code == 0 and "ROC-AUC" in res.stdout
    own = tmp_path / "gold.csv"
    own.write_text(f'msg,bait\n"{BAIT}",1\n"{LEGIT}",0\n', encoding="utf-8")
    res = run("evaluate", own, "--model", model_dir, "--text-field", "msg", "--label-field", "bait", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["roc_auc"] == 1.0


def test_train_on_user_data_only(tmp_path):
    bait = ["курьер", "оплата в крипте", "пиши в лс", "без опыта", "10к в день", "залог", "бот", "16+"]
    legit = ["бухгалтер", "офис", "5/2", "оклад", "ТОО", "соцпакет", "резюме", "отдел кадров"]
    rows = [{"text": " ".join(words[(i + k) % 8] for k in range(4)) + f" вариант {i}", "label": label}
            for i in range(30) for words, label in [(bait, 1), (legit, 0)]]
    src = tmp_path / "mine.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "model"
    res = run("train", "--data", src, "--only-data", "--out", out, "--folds", "2")
    assert res.exit_code == 0, res.stderr
    card = json.loads((out / "card.json").read_text())
    assert card["data"]["user_files"] == ["mine.jsonl"] and card["data"]["total"] == 60
    res = run("explain", "курьер, оплата в крипте", "--model", out, "--json")
    assert json.loads(res.stdout)["score"] > 0.5
    dev = tmp_path / "dev.jsonl"  # a report file of one class: no ROC-AUC to show, and no crash for it
    dev.write_text("\n".join(json.dumps({"text": f"бухгалтер в офис {i}", "label": "legit_job"}, ensure_ascii=False)
                             for i in range(5)), encoding="utf-8")
    res = run("train", "--data", src, "--only-data", "--out", tmp_path / "m2", "--folds", "2", "--dev", dev)
    assert res.exit_code == 0 and "dev (information only): n=5 positives=0" in res.output, res.stderr


def test_train_with_own_column_names_and_tuning(tmp_path):
    rows = [(f"{w} {i}", int(w in ("курьер", "крипта"))) for i in range(20) for w in ("курьер", "крипта", "офис", "оклад")]
    src = tmp_path / "mine.csv"
    src.write_text("body,fraudulent\n" + "\n".join(f"{t},{y}" for t, y in rows), encoding="utf-8")
    out = tmp_path / "model"
    res = run("train", "--data", src, "--only-data", "--text-field", "body", "--label-field", "fraudulent", "--tune",
              "--out", out, "--folds", "2")
    assert res.exit_code == 0, res.stderr
    card = json.loads((out / "card.json").read_text())
    tried = card["cross_validation"]["tuned_C_pr_auc"]
    assert len(tried) == 5 and card["settings"]["C"] == float(max(tried, key=tried.get))
    assert card["calibration"]["target_prevalence"] is None  # user data alone keeps its own share of positives


def test_train_rejects_bad_labels(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("text,label\nhello,maybe\n", encoding="utf-8")
    res = run("train", "--data", src, "--only-data", "--out", tmp_path / "m")
    assert res.exit_code == 2 and "bad.csv:2" in res.stderr and "maybe" in res.stderr


def test_train_names_rows_without_text_or_label_and_says_what_it_merged(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Нужен курьер", "label": "legit_job"}\n{"label": "legit_job"}\n'
                   '{"text": "Закладчик 5к/день", "lang": "ru"}\n{"text": 7, "label": "legit_job"}\n', encoding="utf-8")
    res = run("train", "--data", bad, "--only-data", "--out", tmp_path / "m")
    assert res.exit_code == 2
    assert "bad.jsonl:2: empty text" in res.stderr and "bad.jsonl:3: no label" in res.stderr
    assert "bad.jsonl:4: text is int" in res.stderr and "nan" not in res.stderr
    rows = [("Нужен закладчик, 20к в день", "drug_courier")] * 2 + [("Продам диван", "not_recruitment"),
                                                                   ("Продам диван", "drug_courier")]
    rows += [(f"Требуется повар в кафе номер {i}", "legit_job") for i in range(20)]
    rows += [(f"Кладмен нужен, {i}0к в неделю, лс", "drug_courier") for i in range(20)]
    mine = tmp_path / "mine.csv"
    mine.write_text("text,label\n" + "".join(f'"{t}",{l}\n' for t, l in rows), encoding="utf-8")
    res = run("train", "--data", mine, "--only-data", "--out", tmp_path / "m")
    assert res.exit_code == 0, res.stderr
    assert "1 repeated row (same text, same label) counted once" in res.output
    assert "1 text with two or more labels; the first row's label is kept ('Продам диван' -> not_recruitment)" \
        in res.output


@pytest.mark.parametrize("label,says", [("drug_courier", "is bait"), ("legit_job", "is not bait")])
def test_train_refuses_data_with_one_side_only(tmp_path, label, says):
    src = tmp_path / "one_side.csv"
    src.write_text("text,label\n" + "".join(f"текст номер {i},{label}\n" for i in range(30)), encoding="utf-8")
    res = run("train", "--data", src, "--only-data", "--out", tmp_path / "m")
    assert res.exit_code == 2 and f"every one of the 30 rows {says}" in res.stderr
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_json_array_broken_midway_on_stdin_keeps_the_rows_before_it(tmp_path, model_dir, workers):
    broken = json.dumps([{"id": 1, "text": BAIT}, {"id": 2, "text": LEGIT}], ensure_ascii=False)[:-1] + ', {"id": 3, "te'
    res = run("score", "-", "--model", model_dir, "--workers", workers, input=broken)
    assert res.exit_code == 2 and "after element 1" in res.stderr
    assert [json.loads(line)["id"] for line in res.stdout.splitlines()] == [1, 2]
    res = run("score", "-", "--model", model_dir, "-o", tmp_path / "out.jsonl", input=broken)
    assert res.exit_code == 2 and not (tmp_path / "out.jsonl").exists()  # a file appears only when complete


def test_an_output_that_cannot_be_made_is_one_line(tmp_path, model_dir):
    (tmp_path / "afile").write_text("")
    res = run("score", "-", "--model", model_dir, "--format", "txt", "-o", tmp_path / "afile" / "out.jsonl", input="a\n")
    assert res.exit_code == 2 and "cannot write" in res.stderr and "Traceback" not in res.stderr


def test_interrupted_run_leaves_no_output(tmp_path, model_dir, monkeypatch):
    import classifier.stream

    def crash(rows, writer, *a, **k):
        chunk = [r for r in rows]
        writer.write(chunk, [{"score": 0.5, "risk": "medium"}])
        assert writer.stream.tell() > 0  # something was written before the crash
        raise KeyboardInterrupt

    monkeypatch.setattr(classifier.stream, "score_stream", crash)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": BAIT}) + "\n", encoding="utf-8")
    out, errors = tmp_path / "out" / "scored.jsonl", tmp_path / "out" / "errors.jsonl"
    res = run("score", src, "-o", out, "--errors", errors, "--model", model_dir)
    assert res.exit_code != 0
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_unknown_extension_asks_for_a_format(tmp_path, model_dir):
    src = tmp_path / "ads.docx"
    src.write_text("text\thello\n", encoding="utf-8")
    res = run("score", src, "--model", model_dir)
    assert res.exit_code == 2 and "--format" in res.stderr


def test_thresholds_must_be_ordered(model_dir):
    res = run("explain", "hello", "--model", model_dir, "--medium", "0.9", "--high", "0.5")
    assert res.exit_code == 2 and "medium" in res.stderr


def test_train_chosen_columns_win_over_ones_named_text_and_label(tmp_path):
    rows = [(f"note {i}", f"{w} {i}", int(w == "курьер")) for i in range(15) for w in ("курьер", "офис")]
    src = tmp_path / "mixed.csv"
    src.write_text("text,body,label,is_bait\n" + "\n".join(f"{a},{b},junk,{y}" for a, b, y in rows), encoding="utf-8")
    res = run("train", "--data", src, "--only-data", "--text-field", "body", "--label-field", "is_bait",
              "--out", tmp_path / "m", "--folds", "2")
    assert res.exit_code == 0, res.stderr


def test_reasons_modes(tmp_path, model_dir):
    src = tmp_path / "ads.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                             for i, t in [(1, LEGIT), (2, BAIT)]) + "\n", encoding="utf-8")
    rows = {}
    for mode in ("all", "flagged", "none"):
        res = run("score", src, "--model", model_dir, "--reasons", mode)
        assert res.exit_code == 0, res.output
        rows[mode] = [json.loads(l) for l in res.stdout.splitlines()]
    legit, bait = rows["all"]
    assert legit["risk"] == "low" and legit["reasons"] == [] and legit["lowering"]
    assert bait["risk"] == "high" and bait["reasons"] and bait["flags"]
    assert rows["flagged"][1] == bait  # flagged rows are explained exactly as with --reasons all
    assert rows["flagged"][0]["lowering"] == [] and rows["flagged"][0]["score"] == legit["score"]
    assert all(r["reasons"] == r["flags"] == r["lowering"] == [] for r in rows["none"])
    assert run("score", src, "--model", model_dir, "--reasons", "some").exit_code == 2

def test_plain_text_on_stdin_gets_one_hint_line(model_dir):
    res = run("score", "-", "--model", model_dir, input=f"{BAIT}\n{LEGIT}\n")
    assert res.exit_code == 2
    assert res.stderr.strip() == "adrisk: stdin does not look like JSONL; for one text a line use --format txt"
    res = run("score", "-", "--format", "txt", "--model", model_dir, "--no-reasons", input=f"{BAIT}\n\n{LEGIT}\n")
    assert res.exit_code == 0 and [json.loads(l)["id"] for l in res.stdout.splitlines()] == [1, 3]


def test_a_json_array_on_stdin_is_sniffed(model_dir):
    items = [{"id": "x", "text": BAIT}, {"id": "y", "text": LEGIT}]
    res = run("score", "-", "--model", model_dir, "--no-reasons", input=json.dumps(items, ensure_ascii=False))
    assert res.exit_code == 0 and [json.loads(l)["id"] for l in res.stdout.splitlines()] == ["x", "y"]


def test_folders_get_a_clear_message(tmp_path, model_dir):
    res = run("score", tmp_path, "--model", model_dir)
    assert res.exit_code == 2 and "is a folder" in res.stderr and "Traceback" not in res.output
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": BAIT}) + "\n", encoding="utf-8")
    res = run("score", src, "-o", tmp_path, "--model", model_dir)
    assert res.exit_code == 2 and "--output" in res.stderr and "is a folder" in res.stderr


def test_unknown_output_extension_names_output_format(tmp_path, model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": BAIT}) + "\n", encoding="utf-8")
    res = run("score", src, "-o", tmp_path / "out.xlsx", "--model", model_dir)
    assert res.exit_code == 2 and "--output-format" in res.stderr


def test_workbook_and_json_array_keep_their_numbers_and_counts(tmp_path, model_dir):
    from openpyxl import Workbook

    book = Workbook()
    for cells in (["ref", "text"], ["r1", BAIT], [None, None], ["r3", ""], ["r4", LEGIT]):
        book.active.append(cells)
    book.save(tmp_path / "ads.xlsx")
    errors = tmp_path / "errors.jsonl"
    res = run("score", tmp_path / "ads.xlsx", "--id-column", "ref", "--errors", errors, "--model", model_dir)
    assert res.exit_code == 1 and "row 4: missing text" in res.stderr  # an empty cell is no text
    assert "rows read 3, scored 2, rejected 1" in res.stderr
    assert [json.loads(l)["id"] for l in res.stdout.splitlines()] == ["r1", "r4"]
    assert json.loads(errors.read_text())["row"] == 4
    (tmp_path / "ads.json").write_text(json.dumps([{"text": BAIT}, {"text": 5}], ensure_ascii=False), encoding="utf-8")
    res = run("score", tmp_path / "ads.json", "--model", model_dir)
    assert res.exit_code == 1 and "element 1: text is int, not a string" in res.stderr
    assert "rows read 2, scored 1, rejected 1" in res.stderr


def test_semicolon_cp1251_csv_end_to_end(tmp_path, model_dir):
    src = tmp_path / "excel.csv"
    src.write_bytes(f'id;text\n1;"{BAIT}"\n2;"{LEGIT}"\n'.encode("cp1251", "replace"))
    res = run("score", src, "--model", model_dir)
    assert res.exit_code == 0, res.stderr
    assert "CP1251" in res.stderr and "delimiter ';'" in res.stderr
    scores = [json.loads(l)["score"] for l in res.stdout.splitlines()]
    assert scores[0] > 0.5 > scores[1]


def test_help_is_never_cut_at_80_columns():
    from click.utils import strip_ansi

    for args in ([], ["score"], ["train"], ["explain"], ["evaluate"], ["serve"], ["indicators"], ["campaigns"]):
        res = runner.invoke(app, [*args, "--help"], terminal_width=80)
        assert res.exit_code == 0
        text = " ".join(strip_ansi(res.stdout).split())
        assert "…" not in text and "..." not in text.replace("ARGS]...", "")
    res = runner.invoke(app, ["score", "--help"], terminal_width=80)
    text = " ".join(res.stdout.split())
    assert ("local, or dask: files (a path or glob) scored on a Dask cluster into a Parquet folder given by "
            "--output.") in text
    assert "--text-field, --column" in text and "--id-column" in text and "--encoding" in text


def test_train_refuses_to_overwrite_a_model_without_force(tmp_path):
    rows = [(f"{w} {i}", int(w == "курьер")) for i in range(15) for w in ("курьер", "офис")]
    src = tmp_path / "mine.csv"
    src.write_text("text,label\n" + "\n".join(f"{t},{y}" for t, y in rows), encoding="utf-8")
    out = tmp_path / "model"
    out.mkdir()
    (out / "card.json").write_text("{}", encoding="utf-8")
    res = run("train", "--data", src, "--only-data", "--out", out, "--folds", "2")
    assert res.exit_code == 2 and "--force" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert (out / "card.json").read_text() == "{}"
    res = run("train", "--data", src, "--only-data", "--out", out, "--folds", "2", "--force")
    assert res.exit_code == 0, res.stderr
    card = json.loads((out / "card.json").read_text())
    assert "30 of your rows" in res.stderr and "not calibrated" in res.stderr
    assert any("30 of your rows" in w and "not calibrated" in w for w in card["warnings"])
    res = run("explain", "курьер", "--model", out)
    assert "not calibrated" not in res.stderr  # shown by serve, /health and score, not on every explain
    res = run("score", "-", "--model", out, "--no-reasons", input=json.dumps({"text": "курьер"}) + "\n")
    assert res.exit_code == 0 and "adrisk: warning: trained on 30 of your rows" in res.stderr


def test_the_installed_command_ends_with_every_row_written_and_the_exit_code(tmp_path, model_dir):
    import subprocess
    import sys
    from pathlib import Path

    adrisk = str(Path(sys.executable).parent / "adrisk")
    lines = [json.dumps({"id": i, "text": f"{BAIT} {i}" if i % 2 else f"{LEGIT} {i}"}, ensure_ascii=False)
             for i in range(3000)]
    src = tmp_path / "ads.jsonl"
    src.write_text("\n".join(lines[:1500] + ["{not json"] + lines[1500:]) + "\n", encoding="utf-8")
    piped = subprocess.run([adrisk, "score", str(src), "--model", str(model_dir)], capture_output=True, timeout=300)
    assert piped.returncode == 1, piped.stderr  # a rejected row
    assert [json.loads(l)["id"] for l in piped.stdout.splitlines()] == list(range(3000))
    assert b"rows read 3001, scored 3000, rejected 1" in piped.stderr
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    written = subprocess.run([adrisk, "score", str(src), "--model", str(model_dir), "-o", str(out), "-w", "2"],
                             capture_output=True, timeout=300)
    assert written.returncode == 0, written.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3000


def test_the_command_runs_blas_on_one_thread_unless_the_environment_says():
    import os
    import subprocess
    import sys

    probe = "import api.cli, threadpoolctl; print(max(i['num_threads'] for i in threadpoolctl.threadpool_info()))"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    alone = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    told = subprocess.run([sys.executable, "-c", probe], env={**env, "OPENBLAS_NUM_THREADS": "2"},
                          capture_output=True, text=True, timeout=60)
    assert (alone.stdout.strip(), told.stdout.strip()) == ("1", "2"), alone.stderr + told.stderr


def test_counts_in_messages_agree_with_their_number():
    from api.cli import _count

    assert [_count(n, "campaign") for n in (0, 1, 2)] == ["0 campaigns", "1 campaign", "2 campaigns"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_stops_a_score_run_like_ctrl_c(tmp_path, model_dir, workers):
    from training.corpus import written_examples

    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    texts = written_examples()["text"].tolist()
    src.write_text("".join(json.dumps({"id": i, "text": f"{t} #{i}"}, ensure_ascii=False) + "\n"
                           for i, t in enumerate(texts * 3)), encoding="utf-8")
    run = subprocess.Popen([str(Path(sys.executable).parent / "adrisk"), "score", str(src), "-o", str(out),
                            "--model", str(model_dir), "--workers", workers],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_for(lambda: any(tmp_path.glob(".out.jsonl.*.part")), timeout=60)
    time.sleep(1)  # scoring is under way, in the workers too
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode != 0 and "Aborted" in err and "Traceback" not in err, err[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no output, no .part left behind
