"""Verdicts under load and under a crash, on a real server: none acknowledged is ever lost.

ADRISK_SOAK_SECONDS sets how long the 20 writers run against SQLite (60 by default, as `make test` runs it);
the run against PostgreSQL takes a third of that.
"""
from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from api.store.models import AuditEvent, Item, Verdict
from services import Server

WRITERS = 20
SOAK_SECONDS = float(os.environ.get("ADRISK_SOAK_SECONDS", "60"))
KEYS = ",".join(f"w{n}:key-{n}" for n in range(WRITERS))
TEXTS = ["Нужен закладчик, {n} 000 ₸ в день, пиши в лс", "Бухгалтер в ТОО, оклад {n}0 000 ₸, пятидневка",
         "Курьер по городу, оплата ежедневно, вариант {n}", "Продам велосипед, почти новый, {n} 000 тг"]


def _queue_items(url: str, count: int) -> list[int]:
    with httpx.Client(base_url=url, headers={"X-API-Key": "key-0"}, timeout=30) as c:
        return [c.post("/score?queue=true", json={"text": TEXTS[i % 4].format(n=i + 1)}).json()["item_id"]
                for i in range(count)]


class Writers:
    """WRITERS threads posting random verdicts to random items until stopped; what each got a 2xx for."""

    def __init__(self, url: str, items: list[int]):
        self.url, self.items = url, items
        self.acked: list[dict] = []  # one entry per 2xx: the stored verdict as the server reported it
        self.refused = Counter()  # status codes other than 2xx
        self.failed = Counter()  # no answer (connection refused or cut)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(WRITERS)]

    def _run(self, n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(base_url=self.url, headers={"X-API-Key": f"key-{n}"}, timeout=60) as c:
            while not self.stop.is_set():
                item = rng.choice(self.items)
                body = {"verdict": rng.choice(["bait", "not_bait", "unsure"]), "note": f"w{n}"}
                try:
                    r = c.post(f"/items/{item}/verdict", json=body)
                except httpx.HTTPError as e:
                    with self.lock:
                        self.failed[type(e).__name__] += 1
                    if self.stop.is_set():
                        return
                    time.sleep(0.05)
                    continue
                with self.lock:
                    if 200 <= r.status_code < 300:
                        v = r.json()["verdict"]
                        self.acked.append({"id": v["verdict_id"], "item": item, "verdict": v["verdict"],
                                           "moderator": v["moderator"]})
                    else:
                        self.refused[r.status_code] += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(120)


def _stored(url: str):
    engine = create_engine(url)
    with engine.connect() as c:
        verdicts = {row.id: row for row in c.execute(select(Verdict.id, Verdict.item_id, Verdict.verdict,
                                                            Verdict.moderator))}
        audited = c.execute(select(AuditEvent.verdict_id).where(AuditEvent.action == "verdict")).scalars().all()
        items = c.execute(select(Item.id, Item.status, Item.current_verdict_id)).all()
        latest = dict(c.execute(select(Verdict.item_id, func.max(Verdict.id)).group_by(Verdict.item_id)).all())
        integrity = c.execute(text("PRAGMA integrity_check")).scalar() if url.startswith("sqlite") else "ok"
    engine.dispose()
    return verdicts, audited, items, latest, integrity


def _check_consistent(verdicts, audited, items, latest):
    assert sorted(audited) == sorted(verdicts), "every verdict has exactly one audit row, and no audit row is alone"
    for item_id, status, current in items:
        if item_id in latest:  # the item's verdict is its newest one
            assert current == latest[item_id] and status == verdicts[current].verdict


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_twenty_writers_lose_no_verdict(backend, request, tmp_path):
    url = f"sqlite:///{tmp_path / 'soak.db'}" if backend == "sqlite" else request.getfixturevalue("store_url_pg")
    seconds = SOAK_SECONDS if backend == "sqlite" else max(SOAK_SECONDS / 3, 5)
    with Server(tmp_path, ADRISK_DATABASE_URL=url, ADRISK_MODERATOR_KEYS=KEYS) as server:
        items = _queue_items(server.url, 50)
        started = time.monotonic()
        with Writers(server.url, items) as writers:
            time.sleep(seconds)
        elapsed = time.monotonic() - started
    verdicts, audited, rows, latest, integrity = _stored(url)
    acked = writers.acked
    print(f"\n{backend}: {WRITERS} writers, {elapsed:.0f} s: {len(acked)} verdicts acknowledged "
          f"({len(acked) / elapsed:.0f}/s), {len(verdicts)} stored, {len(audited)} audit rows, "
          f"refused {dict(writers.refused)}, no answer {dict(writers.failed)}")
    assert writers.refused == Counter() and writers.failed == Counter()
    assert len(acked) > 20 * seconds  # the run did real work
    assert len(verdicts) == len(acked) == len(audited)  # count in = count stored
    assert {a["id"] for a in acked} == set(verdicts)
    assert all((verdicts[a["id"]].item_id, verdicts[a["id"]].verdict, verdicts[a["id"]].moderator)
               == (a["item"], a["verdict"], a["moderator"]) for a in acked)
    assert Counter(a["moderator"] for a in acked) == Counter(v.moderator for v in verdicts.values())
    _check_consistent(verdicts, audited, rows, latest)
    assert integrity == "ok"


def test_killing_the_server_mid_write_leaves_a_consistent_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    server = Server(tmp_path, ADRISK_DATABASE_URL=url, ADRISK_MODERATOR_KEYS=KEYS).start()
    try:
        items = _queue_items(server.url, 20)
        with Writers(server.url, items) as writers:
            deadline = time.monotonic() + 60
            while len(writers.acked) < 500 and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()  # SIGKILL while 20 writers are mid-request
            time.sleep(0.5)
    finally:
        server.stop()
    verdicts, audited, rows, latest, integrity = _stored(url)
    acked = writers.acked
    print(f"\nkilled after {len(acked)} acknowledged verdicts: {len(verdicts)} stored "
          f"({len(verdicts) - len(acked)} committed but never answered), integrity_check {integrity}, "
          f"cut off {dict(writers.failed)}")
    assert integrity == "ok"
    assert len(acked) >= 500 and writers.refused == Counter()
    missing = [a for a in acked if a["id"] not in verdicts]
    assert missing == []  # every acknowledged write survived the crash
    assert all(verdicts[a["id"]].verdict == a["verdict"] for a in acked)
    assert 0 <= len(verdicts) - len(acked) <= WRITERS  # at most the writes in flight at the kill
    _check_consistent(verdicts, audited, rows, latest)
    with Server(tmp_path, ADRISK_DATABASE_URL=url, ADRISK_MODERATOR_KEYS=KEYS) as again:  # and it serves on
        r = httpx.post(f"{again.url}/items/{items[0]}/verdict", json={"verdict": "bait"},
                       headers={"X-API-Key": "key-1"}, timeout=30)
        assert r.status_code == 201
