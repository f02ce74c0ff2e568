"""The review routes through the app: queueing, the queue, verdicts and their errors, keys, the export."""
from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from training.corpus import read_labelled

BAIT = "Нужен закладчик, 20 000 ₸ в день, пиши в лс"
LEGIT = "Бухгалтер в ТОО «Арай», пятидневка, оклад 300 000 ₸"


@pytest.fixture()
def review(scorer, tmp_path):
    def make(**settings):
        app = create_app(ApiSettings(database_url=f"sqlite:///{tmp_path / 'review.db'}", **settings), scorer=scorer)
        return TestClient(app, raise_server_exceptions=False)
    return make


def test_score_with_queue_keeps_an_item(review):
    with review() as c:
        plain = c.post("/score", json={"text": BAIT}).json()
        assert plain["item_id"] is None
        body = c.post("/score?queue=true", json={"text": BAIT, "id": "post-9"}).json()
        assert isinstance(body["item_id"], int) and body["score"] == plain["score"]
        items = c.get("/queue").json()
        assert items["next_cursor"] is None
        [item] = items["items"]
        assert item["item_id"] == body["item_id"] and item["external_id"] == "post-9"
        assert item["model_version"] == body["model_version"] and item["status"] == "pending"
        assert item["text"] is None and item["reasons"][0].keys() == {"start", "end", "weight"}
        assert body["queued_before"] is False and plain["queued_before"] is None
        again = c.post("/score?queue=true", json={"text": BAIT, "id": "post-10"}).json()
        assert again["item_id"] == body["item_id"] and again["queued_before"] is True
        page = c.post("/ui/score", data={"text": BAIT, "queue": "on"}).text
        assert f"already in the queue as item <a href=\"#\" data-goto-queue id=\"queued-item\">#{body['item_id']}" in page


def test_the_pages_score_box_queues_what_it_scores(review):
    with review() as c:
        shown = c.post("/ui/score", data={"text": BAIT, "queue": "on", "id": " t.me/c/123/45 "})
        assert shown.status_code == 200, shown.text
        [item] = c.get("/queue").json()["items"]
        assert f"#{item['item_id']}" in shown.text and item["score"] == c.post("/score", json={"text": BAIT}).json()["score"]
        assert item["external_id"] == "t.me/c/123/45" and item["text"] is None  # found again by its id, text not kept
        assert c.post("/ui/score", data={"text": LEGIT}).status_code == 200 and len(c.get("/queue").json()["items"]) == 1


def test_queue_pages_with_a_cursor_and_filters(review):
    with review() as c:
        ids = [c.post("/score?queue=true", json={"text": f"{BAIT} #{i}" if i % 2 else f"{LEGIT} #{i}"}).json()["item_id"]
               for i in range(7)]
        seen, cursor = [], None
        while True:
            page = c.get("/queue", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
            seen += [i["item_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(ids)
        high = c.get("/queue", params={"risk": "high"}).json()["items"]
        assert high and {i["risk"] for i in high} == {"high"}
        assert c.get("/queue", params={"status": "bait"}).json()["items"] == []


def test_verdict_flow_and_unlearn(review):
    with review() as c:
        item = c.post("/score?queue=true", json={"text": BAIT}).json()["item_id"]
        r = c.post(f"/items/{item}/verdict", json={"verdict": "bait", "category": "drug_courier", "note": "shop"})
        assert r.status_code == 201 and r.json()["status"] == "bait"
        assert r.json()["verdict"]["moderator"] == "anonymous"  # no key configured: local use
        c.post(f"/items/{item}/verdict", json={"verdict": "not_bait"})
        got = c.get(f"/items/{item}").json()
        assert got["status"] == "not_bait" and len(got["history"]) == 2
        assert c.get("/queue", params={"status": "reviewed"}).json()["items"][0]["item_id"] == item
        r = c.delete(f"/items/{item}/verdict")
        assert r.status_code == 200 and r.json()["status"] == "pending"
        again = c.delete(f"/items/{item}/verdict")  # nothing left to retract: a conflict, not an unknown item
        assert again.status_code == 409 and again.json()["detail"] == f"item {item} has no verdict to retract"
        assert c.delete("/items/999/verdict").status_code == 404
        assert [a["action"] for a in c.get(f"/items/{item}").json()["audit"]] == [
            "queued", "verdict", "verdict", "retract"]


@pytest.mark.parametrize("body,reason", [
    ({}, "Field required"),
    ({"verdict": "spam"}, "Input should be 'bait', 'not_bait' or 'unsure'"),
    ({"verdict": "bait", "category": "legit_job"}, "contradicts verdict bait"),
    ({"verdict": "not_bait", "category": "drug_courier"}, "contradicts verdict not_bait"),
    ({"verdict": "bait", "category": "pizza"}, "Input should be"),
    ({"verdict": "bait", "note": "x" * 2001}, "at most 2000 characters"),
    ({"verdict": "bait", "moderator": "mallory"}, "unknown field 'moderator'"),
    ({"verdict": 1}, "Input should be"),
    ([], "valid dictionary"),
])
def test_a_bad_verdict_body_is_422_with_a_reason(review, body, reason):
    with review() as c:
        item = c.post("/score?queue=true", json={"text": BAIT}).json()["item_id"]
        r = c.post(f"/items/{item}/verdict", json=body)
        assert r.status_code == 422
        assert reason in json.dumps(r.json()["detail"], ensure_ascii=False)
        assert "Value error" not in json.dumps(r.json()["detail"])  # the validator's words, not pydantic's prefix
        assert c.get(f"/items/{item}").json()["history"] == []  # nothing was written


def test_bad_requests_to_the_review_routes(review):
    with review() as c:
        assert c.post("/items/999/verdict", json={"verdict": "bait"}).status_code == 404
        assert c.post("/items/0/verdict", json={"verdict": "bait"}).status_code == 422
        assert c.post(f"/items/{2**70}/verdict", json={"verdict": "bait"}).status_code == 422
        r = c.post("/items/1/verdict", content=b'{"verdict": "ba', headers={"content-type": "application/json"})
        assert r.status_code == 422
        for params in ({"cursor": "garbage"}, {"risk": "severe"}, {"status": "done"}, {"limit": 0}):
            r = c.get("/queue", params=params)
            assert r.status_code == 422 and r.json()["detail"], params


def test_keys_name_the_moderator_and_guard_writes(review):
    with review(api_key="admin-key", moderator_keys="alice:alice-key,bob:bob-key") as c:
        assert c.post("/score?queue=true", json={"text": BAIT}).status_code == 401
        item = c.post("/score?queue=true", json={"text": BAIT}, headers={"X-API-Key": "alice-key"}).json()["item_id"]
        assert c.post(f"/items/{item}/verdict", json={"verdict": "bait"}).status_code == 401
        assert c.post(f"/items/{item}/verdict", json={"verdict": "bait"},
                      headers={"X-API-Key": "wrong"}).status_code == 401
        c.post(f"/items/{item}/verdict", json={"verdict": "bait"}, headers={"X-API-Key": "bob-key"})
        c.post(f"/items/{item}/verdict", json={"verdict": "unsure"}, headers={"X-API-Key": "admin-key"})
        got = c.get(f"/items/{item}", headers={"X-API-Key": "alice-key"}).json()
        assert [a["actor"] for a in got["audit"]] == ["alice", "bob", "admin"]
        assert c.get("/queue").status_code == 401 and c.get("/feedback/export").status_code == 401
        assert c.post("/admin/reload", headers={"X-API-Key": "bob-key"}).status_code == 403
        assert c.get("/").status_code == 200 and c.get("/health").status_code == 200  # the page shell is open


def test_moderator_keys_alone_keep_admin_routes_shut(review):
    with review(moderator_keys="alice:alice-key") as c:
        r = c.post("/admin/reload", headers={"X-API-Key": "alice-key"})
        assert r.status_code == 403 and "ADRISK_API_KEY" in r.json()["detail"]


def test_export_is_what_train_data_reads(review, tmp_path):
    with review(store_text=True) as c:
        a = c.post("/score?queue=true", json={"text": BAIT}).json()["item_id"]
        b = c.post("/score?queue=true", json={"text": LEGIT}).json()["item_id"]
        u = c.post("/score?queue=true", json={"text": "пиши в лс"}).json()["item_id"]
        c.post(f"/items/{a}/verdict", json={"verdict": "not_bait", "category": "legit_job"})
        c.post(f"/items/{b}/verdict", json={"verdict": "bait"})
        c.post(f"/items/{u}/verdict", json={"verdict": "unsure"})
        r = c.get("/feedback/export")
        assert r.status_code == 200 and r.headers["x-adrisk-without-text"] == "0"
        assert r.headers["content-type"].startswith("application/x-ndjson")
    path = tmp_path / "feedback.jsonl"
    path.write_text(r.text, encoding="utf-8")
    frame = read_labelled(path)
    assert dict(zip(frame["text"], frame["label"])) == {BAIT: "legit_job", LEGIT: "scam_recruitment"}


def test_the_store_opens_only_when_used(scorer, tmp_path):
    with TestClient(create_app(ApiSettings(data_dir=tmp_path / "d"), scorer=scorer)) as c:
        c.post("/score", json={"text": BAIT})
        assert not (tmp_path / "d").exists()
        c.post("/score?queue=true", json={"text": BAIT})
        assert (tmp_path / "d" / "adrisk.db").exists()


def test_a_data_folder_that_cannot_be_made_is_a_503(scorer, tmp_path):
    (tmp_path / "afile").write_text("")
    settings = ApiSettings(database_url=f"sqlite:///{tmp_path / 'afile' / 'data' / 'adrisk.db'}")
    with TestClient(create_app(settings, scorer=scorer), raise_server_exceptions=False) as c:
        for r in (c.post("/score?queue=true", json={"text": BAIT}), c.get("/queue"), c.get("/ui/counts")):
            assert r.status_code == 503 and "cannot be opened" in r.text


def test_an_unreachable_database_is_a_503_not_a_traceback(scorer):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with TestClient(create_app(ApiSettings(database_url=url), scorer=scorer), raise_server_exceptions=False) as c:
        r = c.post("/score?queue=true", json={"text": BAIT})
        assert r.status_code == 503 and "Traceback" not in r.text and "nobody" not in r.text
        assert c.post("/score", json={"text": BAIT}).status_code == 200  # scoring does not need the store


def test_moderator_key_settings_are_checked():
    from pydantic import ValidationError

    assert ApiSettings(moderator_keys="alice:k1, bob:k2").moderators == {"alice": "k1", "bob": "k2"}
    for bad in ("just-a-secret", "alice:k1,alice:k2", "alice:same,bob:same", ":k", "admin:k1", "Anonymous:k2"):
        with pytest.raises(ValidationError) as e:
            ApiSettings(moderator_keys=bad)
        assert "just-a-secret" not in str(e.value) and "same" not in str(e.value)  # a key is never echoed
    with pytest.raises(ValidationError):
        ApiSettings(api_key="k1", moderator_keys="alice:k1")


def test_serve_refuses_bad_key_settings_in_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    adrisk = str(Path(sys.executable).parent / "adrisk")
    done = subprocess.run([adrisk, "serve", "--port", "1"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ADRISK_MODERATOR_KEYS": "supersecret-value"})
    assert done.returncode == 2 and done.stderr.startswith("adrisk: ") and done.stderr.count("\n") == 1
    assert "not name:key" in done.stderr and "supersecret" not in done.stderr


def test_a_medium_threshold_above_the_high_one_is_refused(scorer, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from classifier.scorer import Scorer

    with pytest.raises(ValueError, match="must not be above"):
        Scorer(scorer.compiled, scorer.card, medium=0.9, high=0.5)
    adrisk = str(Path(sys.executable).parent / "adrisk")
    done = subprocess.run([adrisk, "serve", "--port", "1"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ADRISK_MEDIUM": "0.9", "ADRISK_HIGH": "0.5"})
    assert done.returncode == 2 and done.stderr == "adrisk: ADRISK_MEDIUM 0.9 is above ADRISK_HIGH 0.5\n"


def test_a_lone_surrogate_is_replaced_in_every_field_not_a_500(review):
    raw = '{"text": "Нужен закладчик \\ud800, пиши в лс", "id": "post-\\udc00"}'.encode()
    with review(store_text=True) as c:
        r = c.post("/score?queue=true", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == "post-\ufffd"
        item = c.get(f"/items/{r.json()['item_id']}").json()
        assert item["text"] == "Нужен закладчик \ufffd, пиши в лс" and item["external_id"] == "post-\ufffd"
        note = '{"verdict": "bait", "note": "seen \\udfff"}'.encode()
        r = c.post(f"/items/{item['item_id']}/verdict", content=note, headers={"content-type": "application/json"})
        assert r.status_code == 201, r.text
        assert r.json()["verdict"]["note"] == "seen \ufffd"
        batch = '{"items": [{"text": "a", "id": "\\ud800"}]}'.encode()
        r = c.post("/score/batch", content=batch, headers={"content-type": "application/json"})
        assert r.status_code == 200 and r.json()["results"][0]["id"] == "\ufffd"


def test_a_form_post_from_another_site_is_refused(review):
    with review() as c:
        item = c.post("/score?queue=true", json={"text": BAIT}).json()["item_id"]
        evil = {"origin": "https://evil.example"}
        r = c.post(f"/ui/items/{item}/verdict", data={"verdict": "not_bait"}, headers=evil)
        assert r.status_code == 403 and "evil.example" in r.json()["detail"]
        assert c.post("/ui/score", data={"text": BAIT, "queue": "on"}, headers={"sec-fetch-site": "cross-site"}
                      ).status_code == 403
        assert c.delete(f"/ui/items/{item}/verdict", headers=evil).status_code == 403
        assert c.get(f"/items/{item}").json()["history"] == []  # nothing was recorded
        own = {"origin": "http://testserver"}  # the page itself, and a client that names no origin
        assert c.post(f"/ui/items/{item}/verdict", data={"verdict": "bait"}, headers=own).status_code == 200
        assert c.post(f"/ui/items/{item}/verdict", data={"verdict": "bait"}).status_code == 200
        proxied = {"origin": "https://Review.example.org", "x-forwarded-host": "review.example.org, 10.0.0.5"}
        assert c.post("/ui/score", data={"text": "привет"}, headers=proxied).status_code == 200
        behind_nginx = {"origin": "https://review.example.org", "sec-fetch-site": "same-origin"}  # Host: 127.0.0.1
        assert c.post("/ui/score", data={"text": "привет"}, headers=behind_nginx).status_code == 200
        lying = {"origin": "http://testserver", "sec-fetch-site": "cross-site"}  # the browser's word wins
        assert c.post("/ui/score", data={"text": "привет"}, headers=lying).status_code == 403


def test_the_pages_scoring_is_counted_in_the_metrics(review):
    with review() as c:
        def scored() -> float:
            return sum(float(v) for v in re.findall(r'^adrisk_scores_total\{risk="\w+"\} (\S+)$',
                                                    c.get("/metrics").text, re.M))
        before = scored()
        c.post("/ui/score", data={"text": BAIT})
        assert scored() == before + 1


def test_the_pages_forms_read_raw_utf8_and_name_the_field_in_errors(review):
    with review() as c:
        raw = f"text={BAIT}&queue=on".encode()  # as curl -d sends it: not percent-encoded
        r = c.post("/ui/score", content=raw, headers={"content-type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200 and BAIT.split(",")[0] in r.text
        item = int(re.search(r"#(\d+)", r.text).group(1))
        assert c.get(f"/items/{item}").json()["risk"] == "high"  # scored as the words it is, not as Latin-1
        r = c.post(f"/ui/items/{item}/verdict", data={})
        assert r.status_code == 422 and r.json()["detail"] == "verdict: Field required"
        r = c.post(f"/ui/items/{item}/verdict", data={"verdict": "bait", "foo": "1"})
        assert r.status_code == 422 and r.json()["detail"] == "unknown field 'foo'"
