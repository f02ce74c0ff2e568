"""The analyst's commands and routes: `adrisk indicators`, `adrisk campaigns`, `--reveal`, POST /indicators."""
import json

import pandas as pd
from click.testing import CliRunner

from api.cli import app

runner = CliRunner()
CARD = "4400430123456789"
ROWS = [
    {"id": "m1", "date": "2025-03-02", "text": f"Нужны курьеры, 25 000 ₸ в день, пиши @fast_job, оплата на карту {CARD}"},
    {"id": "m2", "date": "2025-03-01", "text": "Нужны к у р ь е р ы, 25 000 ₸ в день, пиши @fаst_job 🔥"},
    {"id": "m3", "date": "2025-03-05", "text": "Продам диван, почти новый, самовывоз, звоните 8 701 234 56 78"},
    {"id": "m4", "date": "2025-03-07", "text": "Нужны курьеры, 25 000 ₸ в день, пиши @fast_job, оплата ежедневно"},
]


def run(*args, input=None):
    return runner.invoke(app, list(map(str, args)), input=input)


def write_input(tmp_path, broken=True):
    lines = [json.dumps(r, ensure_ascii=False) for r in ROWS]
    if broken:
        lines[1:1] = ["{not json", json.dumps({"id": "empty", "text": ""})]
    src = tmp_path / "msgs.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return src


def test_indicators_table_with_broken_rows(tmp_path, model_dir):
    errors = tmp_path / "rejects.jsonl"
    res = run("indicators", write_input(tmp_path), "--model", model_dir, "--time-field", "date", "--errors", errors)
    assert res.exit_code == 1  # rows were rejected, as `adrisk score` says it
    assert "line 2: malformed JSON" in res.stderr and "line 3: empty text" in res.stderr
    assert "rows read 6, scored 4, rejected 2" in res.stderr
    assert [json.loads(l)["line"] for l in errors.read_text().splitlines()] == [2, 3]
    rows = [json.loads(l) for l in res.stdout.splitlines()]
    by_key = {(r["kind"], r["normalized"]): r for r in rows}
    tg = by_key[("telegram", "fast_job")]
    assert tg["texts"] == 3 and tg["risky"] == 3 and (tg["first_id"], tg["last_id"]) == ("m1", "m4")
    assert (tg["first_seen"], tg["last_seen"]) == ("2025-03-01", "2025-03-07")
    assert tg["max_score"] >= 0.9 and set(tg["categories"]) <= {"drug_courier", "scam_recruitment"}
    assert ("card", "440043******6789") in by_key and CARD not in res.stdout
    phone = by_key[("phone", "+77012345678")]
    assert phone["risky"] == 0 and rows[-1] is phone  # riskiest first: the sofa's phone comes last


def test_indicators_reveal_and_csv_parquet(tmp_path, model_dir):
    src = write_input(tmp_path, broken=False)
    res = run("indicators", src, "--model", model_dir, "--reveal", "-o", tmp_path / "ind.csv")
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(tmp_path / "ind.csv", dtype=str)
    assert list(frame.columns)[:5] == ["kind", "normalized", "value", "texts", "risky"]
    assert CARD in frame["normalized"].tolist()
    res = run("indicators", src, "--model", model_dir, "-o", tmp_path / "ind.parquet")
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(tmp_path / "ind.parquet")
    assert len(table) == len(frame) and "fast_job" in table["normalized"].tolist()


def test_campaigns_group_variants_and_keep_others_apart(tmp_path, model_dir):
    res = run("campaigns", write_input(tmp_path), "--model", model_dir, "--time-field", "date")
    assert res.exit_code == 1 and "rows read 6, scored 4, rejected 2" in res.stderr
    campaigns = [json.loads(l) for l in res.stdout.splitlines()]
    assert len(campaigns) == 1  # the sofa is a campaign of one, below --min-size 2
    c = campaigns[0]
    assert c["size"] == 3 and c["ids"] == ["m1", "m2", "m4"]
    assert {"kind": "telegram", "normalized": "fast_job", "texts": 3} in c["indicators"]
    assert c["score_min"] <= c["score_max"] and c["risky"] == 3
    assert (c["first_seen"], c["last_seen"]) == ("2025-03-01", "2025-03-07")
    assert c["representative"] in [r["text"] for r in ROWS]
    res = run("campaigns", write_input(tmp_path, broken=False), "--model", model_dir, "--min-size", "1",
              "-o", tmp_path / "c.csv")
    assert res.exit_code == 0
    assert pd.read_csv(tmp_path / "c.csv")["size"].tolist() == [3, 1]


def test_empty_table_outputs_still_have_their_columns(tmp_path, model_dir):
    src = tmp_path / "plain.txt"
    src.write_text("Продам диван\nКуплю стол\n", encoding="utf-8")
    res = run("campaigns", src, "--model", model_dir, "-o", tmp_path / "c.csv")
    assert res.exit_code == 0
    assert (tmp_path / "c.csv").read_text().startswith("campaign,size,representative")


def test_score_carries_indicators_and_reveal(tmp_path, model_dir):
    src = write_input(tmp_path, broken=False)
    masked = [json.loads(l) for l in run("score", src, "--model", model_dir, "--no-reasons").stdout.splitlines()]
    assert masked[0]["indicators"][1]["normalized"] == "440043******6789"
    shown = [json.loads(l) for l in run("score", src, "--model", model_dir, "--reveal").stdout.splitlines()]
    assert shown[0]["indicators"][1]["normalized"] == CARD
    text = ROWS[0]["text"]
    res = run("explain", text, "--model", model_dir, "--json")
    assert json.loads(res.stdout)["indicators"][0]["normalized"] == "fast_job"
    assert "indicators: telegram fast_job" in run("explain", text, "--model", model_dir).stdout


def test_a_card_number_shows_in_full_nowhere_unless_revealed(tmp_path, model_dir, client):
    text = f"Курьер, 30к в день, залог на карту {CARD} сразу, пиши в лс"
    src = tmp_path / "card.jsonl"
    src.write_text(json.dumps({"id": 1, "text": text}, ensure_ascii=False) + "\n", encoding="utf-8")
    hidden = run("score", src, "--model", model_dir, "--reasons", "all").stdout
    api = client.post("/score", json={"text": text}).json()
    shown = json.loads(run("score", src, "--model", model_dir, "--reasons", "all", "--reveal").stdout)
    assert CARD[6:12] not in hidden and CARD[6:12] not in json.dumps(api)
    spans = [x for x in shown["reasons"] + shown["lowering"] + shown["flags"] if CARD[6:12] in x["text"]]
    assert spans and all(text[x["start"]:x["end"]] == x["text"] for x in spans)  # revealed: the text itself
    masked = json.loads(hidden)
    assert [x["text"] for x in masked["reasons"] + masked["lowering"] + masked["flags"] if "******" in x["text"]]


def test_api_indicators_route_and_results(client):
    text = ROWS[0]["text"]
    r = client.post("/indicators", json={"text": text})
    assert r.status_code == 200
    found = r.json()["indicators"]
    assert [(i["kind"], i["normalized"]) for i in found] == [("telegram", "fast_job"), ("card", "440043******6789")]
    assert all(text[i["start"]:i["end"]] == i["value"] or i["kind"] == "card" for i in found)
    assert client.post("/indicators", json={"text": text, "reveal": True}).json()["indicators"][1]["normalized"] == CARD
    assert client.post("/score", json={"text": text}).json()["indicators"][0]["normalized"] == "fast_job"
    assert client.post("/indicators", json={"text": "x" * 30000}).status_code == 413
    assert client.post("/indicators", json={"text": 5}).status_code == 422
    lone = client.post("/indicators", content='{"text": "@fast_job \\ud800"}', headers={"content-type": "application/json"})
    assert lone.status_code == 200 and lone.json()["indicators"][0]["normalized"] == "fast_job"


SCORES = ("max_score", "score_min", "score_max")  # the model's; the rest of the session is the commands' own


def _readme_session() -> list[str]:
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ .venv/bin/adrisk indicators tests/data/messages.jsonl")
    return readme[start:readme.index("```", start)].splitlines()


def test_the_readme_session_is_what_the_commands_print(tmp_path, model_dir):
    import csv
    import io
    from pathlib import Path

    messages = Path(__file__).parent / "data" / "messages.jsonl"
    shown = _readme_session()
    out = tmp_path / "indicators.csv"
    found = run("indicators", messages, "--time-field", "date", "-o", out, "--model", model_dir)
    campaigns = run("campaigns", messages, "--time-field", "date", "--model", model_dir)

    def table(text):
        return [{k: v for k, v in row.items() if k not in SCORES} for row in csv.DictReader(io.StringIO(text))]

    csv_shown = "\n".join(shown[shown.index("$ cat indicators.csv") + 1: shown.index(
        next(l for l in shown if l.startswith("$ .venv/bin/adrisk campaigns")))])
    assert table(out.read_text(encoding="utf-8")) == table(csv_shown)
    assert found.stderr.splitlines() == shown[1:3]
    at = shown.index(next(l for l in shown if l.startswith("$ .venv/bin/adrisk campaigns")))
    records = [{k: v for k, v in json.loads(l).items() if k not in SCORES} for l in campaigns.stdout.splitlines()]
    assert records == [{k: v for k, v in json.loads(shown[at + 1]).items() if k not in SCORES}]
    assert campaigns.stderr.splitlines() == shown[at + 2: at + 4]
