"""The review store, run with the same code against SQLite and a real PostgreSQL server."""
from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from api.store import BadCursor, NotFound, Store, sha256
from api.store.engine import current_revision, make_engine, migrate
from api.store.models import AuditEvent, Base, Item, Verdict
from classifier.featurebag import bag, vocabulary_fingerprint

SECRET = "Уникальная строка объявления 7781: курьер-закладчик, 90 000 в день, пиши @hidden_handle_7781"


@pytest.fixture()
def store(store_url):
    s = Store(store_url)
    yield s
    s.close()


def _result(scorer, text: str, id_=None) -> dict:
    return scorer.score([text], ids=[id_])[0].model_dump()


def _queue(store: Store, scorer, text: str, id_=None) -> int:
    return store.queue(text, _result(scorer, text, id_), features=bag(scorer.compiled, text),
                       vocabulary=vocabulary_fingerprint(scorer.compiled), actor="tester")


def test_migrations_build_the_schema_the_models_describe(store_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(store_url)
    assert current_revision(engine) is None
    migrate(engine)
    migrate(engine)  # a second run is a no-op
    assert current_revision(engine) == "0001"
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert {"items", "verdicts", "audit", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_queue_verdicts_last_one_wins_and_history_stays(store, scorer):
    item = _queue(store, scorer, "Нужен закладчик, 20 000 ₸ в день, пиши в лс", "chat-1")
    store.set_verdict(item, "bait", "drug_courier", "clear case", "alice")
    store.set_verdict(item, "not_bait", None, None, "bob")
    got = store.item(item)
    assert got["status"] == "not_bait" and got["verdict"]["moderator"] == "bob"
    assert [v["moderator"] for v in got["history"]] == ["alice", "bob"]
    assert [a["action"] for a in got["audit"]] == ["queued", "verdict", "verdict"]
    assert got["audit"][2]["detail"]["replaces"] == got["history"][0]["verdict_id"]
    assert got["external_id"] == "chat-1" and got["queued_by"] == "tester"
    assert got["created_at"].endswith("+00:00")


def test_retract_unlearns_and_is_audited(store, scorer):
    item = _queue(store, scorer, "Ищем курьеров, 7к в день, пиши в лс")
    store.set_verdict(item, "bait", None, None, "alice")
    assert len(list(store.training_rows())) == 1
    done = store.retract(item, "carol")
    assert done["status"] == "pending"
    assert list(store.training_rows()) == []
    got = store.item(item)
    assert got["verdict"] is None and got["history"][0]["retracted_by"] == "carol"
    assert got["audit"][-1]["action"] == "retract"
    with pytest.raises(NotFound):
        store.retract(item, "carol")  # nothing left to retract
    with pytest.raises(NotFound):
        store.set_verdict(10**9, "bait", None, None, "alice")


def test_unsure_is_never_trained_on_and_labels_follow_the_verdict(store, scorer):
    a = _queue(store, scorer, "Нужен закладчик, 20 000 ₸ в день, пиши в лс")
    b = _queue(store, scorer, "Бухгалтер в ТОО, оклад 300 000 ₸, пятидневка")
    c = _queue(store, scorer, "Работа есть, пиши")
    store.set_verdict(a, "not_bait", None, None, "alice")  # overturned: the model said drug_courier
    store.set_verdict(b, "bait", None, None, "alice")
    store.set_verdict(c, "unsure", None, None, "alice")
    labels = {r.item_id: r.label for r in store.training_rows()}
    assert labels == {a: "not_recruitment", b: "scam_recruitment"}


def test_cursor_pages_cover_every_item_once_in_score_order(store, scorer):
    texts = [f"Нужен закладчик {i}, {i}0 000 в день, пиши в лс" if i % 2 else f"Продам диван, вариант {i}"
             for i in range(23)]
    ids = {_queue(store, scorer, t) for t in texts}
    seen, cursor, pages = [], None, 0
    while True:
        items, cursor = store.page("all", None, 5, cursor)
        seen += items
        pages += 1
        if cursor is None:
            break
    assert pages == 5 and {i["item_id"] for i in seen} == ids and len(seen) == 23
    keys = [(i["score"], i["item_id"]) for i in seen]
    assert keys == sorted(keys, reverse=True)
    high = store.page("pending", ["high"], 100, None)[0]
    assert high and all(i["risk"] == "high" for i in high)
    with pytest.raises(BadCursor):
        store.page("all", None, 5, "not-a-cursor")


def test_a_verdict_moves_the_item_out_of_pending_without_breaking_the_pages(store, scorer):
    ids = [_queue(store, scorer, f"Курьер {i}, оплата ежедневно, пиши в лс") for i in range(6)]
    first, cursor = store.page("pending", None, 3, None)
    for item in first:
        store.set_verdict(item["item_id"], "bait", None, None, "alice")
    rest, _ = store.page("pending", None, 3, cursor)
    assert {i["item_id"] for i in first} | {i["item_id"] for i in rest} == set(ids)
    assert store.counts() == {"pending": 3, "bait": 3, "not_bait": 0, "unsure": 0}


def _all_text(url: str) -> str:
    """Every value of every column of every table, as one string."""
    engine = create_engine(url)
    out = []
    with engine.connect() as c:
        for table in ("items", "verdicts", "audit"):
            for row in c.execute(text(f"SELECT * FROM {table}")):
                out.append(" ".join(str(v) for v in row))
    engine.dispose()
    return "\n".join(out)


def test_text_is_not_stored_unless_enabled(store_url, scorer):
    store = Store(store_url, store_text=False)
    item = _queue(store, scorer, SECRET)
    got = store.item(item)
    assert got["text"] is None and got["text_sha256"] == sha256(SECRET) and got["text_chars"] == len(SECRET)
    assert got["reasons"] and all(set(r) == {"start", "end", "weight"} for r in got["reasons"])
    assert all("text" not in f for f in got["flags"])
    everything = _all_text(store_url)
    for fragment in ("hidden_handle_7781", "Уникальная", "объявления 7781"):
        assert fragment not in everything
    if store_url.startswith("sqlite"):  # nor anywhere in the database files, free pages and WAL included
        path = store_url.removeprefix("sqlite:///")
        store.close()
        raw = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
        assert "hidden_handle_7781".encode() not in raw and "Уникальная".encode() not in raw
    store.close()
    kept = Store(store_url, store_text=True)
    item = _queue(kept, scorer, "Повтор: " + SECRET)
    assert kept.item(item)["text"] == "Повтор: " + SECRET and "hidden_handle_7781" in _all_text(store_url)
    first = _queue(kept, scorer, SECRET)  # queued before without its text: now that texts are kept, it gets it
    got = kept.item(first)
    assert got["text"] == SECRET and all(set(r) == {"start", "end", "weight"} for r in got["reasons"])
    assert got["audit"][-1]["action"] == "queued_again" and got["audit"][-1]["detail"]["text_stored"] is True
    kept.close()


def test_export_gives_text_rows_and_counts_the_others(store_url, scorer):
    s = Store(store_url, store_text=True)
    a = _queue(s, scorer, "Нужен закладчик, 20 000 ₸ в день, пиши в лс")
    s.set_verdict(a, "bait", "drug_courier", None, "alice")
    s.store_text = False
    b = _queue(s, scorer, "Требуется кассир, оплата за обучение 20 000 тг")
    s.set_verdict(b, "bait", "scam_recruitment", None, "alice")
    without_text, rows = s.export_rows()
    rows = list(rows)
    assert without_text == 1 and [r["item_id"] for r in rows] == [a] and rows[0]["label"] == "drug_courier"
    s.close()


def test_concurrent_verdicts_on_one_item_resolve_to_the_last(store_url, scorer):
    """Eight threads give 20 verdicts each to the same item: every one is kept, in order, and the item's
    verdict is the last one committed."""
    store = Store(store_url)
    item = _queue(store, scorer, "Курьер, 5000 в день, пиши в лс")
    errors = []

    def writer(n: int):
        try:
            for k in range(20):
                store.set_verdict(item, ("bait", "not_bait", "unsure")[(n + k) % 3], None, None, f"m{n}")
        except Exception as e:  # noqa: BLE001 - any failure is the test's failure
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store.sessions() as s:
        verdicts = s.scalars(select(Verdict).where(Verdict.item_id == item).order_by(Verdict.id)).all()
        row = s.get(Item, item)
        audited = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "verdict"))
    assert len(verdicts) == 160 and audited == 160
    assert Counter(v.moderator for v in verdicts) == {f"m{n}": 20 for n in range(8)}
    assert row.current_verdict_id == verdicts[-1].id and row.status == verdicts[-1].verdict
    store.close()


def test_a_text_queued_again_keeps_its_one_item_and_records_where_it_came_from(store, scorer):
    first = _queue(store, scorer, SECRET, "post-1")
    store.set_verdict(first, "bait", None, None, "moderator")
    assert _queue(store, scorer, SECRET, "post-2") == first  # reviewed already: not back in the queue
    other = _queue(store, scorer, SECRET + " ")  # another text, however close
    assert other != first
    item = store.item(first)
    assert item["status"] == "bait" and item["external_id"] == "post-1"
    assert [(a["action"], a["detail"].get("external_id")) for a in item["audit"]] == [
        ("queued", None), ("verdict", None), ("queued_again", "post-2")]
    assert store.counts()["pending"] == 1


def test_concurrent_queueings_of_one_text_make_one_item(store_url, scorer):
    store = Store(store_url)
    result, features = _result(scorer, SECRET), bag(scorer.compiled, SECRET)
    ids, errors = [], []

    def queue():
        try:
            for _ in range(5):
                ids.append(store.queue(SECRET, result, features=features,
                                       vocabulary=vocabulary_fingerprint(scorer.compiled), actor="tester"))
        except Exception as e:  # noqa: BLE001 - any failure is the test's failure
            errors.append(e)

    threads = [threading.Thread(target=queue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(ids) == 40 and len(set(ids)) == 1
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Item)) == 1
        actions = Counter(s.scalars(select(AuditEvent.action)).all())
    assert actions == {"queued": 1, "queued_again": 39}
    store.close()
