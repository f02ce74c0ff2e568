"""Model reload on a real server: SIGHUP and POST /admin/reload swap models while requests keep coming."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from collections import Counter

import httpx
import pytest

from services import Server, wait_for

BAIT = "Нужен закладчик, 20 000 ₸ в день, пиши в лс"
ADMIN = {"X-API-Key": "admin-key"}


def _copy_model(model_dir, to, version: str):
    to.mkdir()
    for name in ("model.skops", "compiled.npz", "card.json"):
        shutil.copy(model_dir / name, to / name)
    card = json.loads((to / "card.json").read_text(encoding="utf-8"))
    card["version"] = version  # the card is not covered by the checksums; the model files are
    (to / "card.json").write_text(json.dumps(card), encoding="utf-8")
    return to


@pytest.fixture()
def server(tmp_path, model_dir):
    with Server(tmp_path, ADRISK_MODEL=str(model_dir), ADRISK_API_KEY="admin-key") as s:
        yield s


def test_requests_during_reloads_all_succeed(server, tmp_path, model_dir, scorer):
    other = _copy_model(model_dir, tmp_path / "other", "0.0.0+reload-test")
    stop = threading.Event()
    statuses, versions, errors = Counter(), Counter(), []

    def fire():
        with httpx.Client(base_url=server.url, headers=ADMIN, timeout=60) as c:
            while not stop.is_set():
                try:
                    r = c.post("/score", json={"text": BAIT})
                    statuses[r.status_code] += 1
                    if r.status_code == 200:
                        versions[r.json()["model_version"]] += 1
                except httpx.HTTPError as e:
                    errors.append(repr(e))

    def version():
        return httpx.get(server.url + "/health", timeout=10).json()["model_version"]

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        r = httpx.post(server.url + "/admin/reload", json={"model": str(other)}, headers=ADMIN, timeout=120)
        assert r.status_code == 200, r.text
        assert r.json()["model_version"] == "0.0.0+reload-test" and r.json()["previous_version"] == scorer.version
        assert version() == "0.0.0+reload-test"
        time.sleep(1)
        server.signal(signal.SIGHUP)  # back to ADRISK_MODEL
        assert wait_for(lambda: version() == scorer.version), server.tail()
        time.sleep(1)
        server.signal(signal.SIGHUP)  # and once more, the same model
        assert wait_for(lambda: server.output().count("reloaded model") >= 3), server.tail()
        time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert errors == [], errors[:3]
    assert set(statuses) == {200} and sum(statuses.values()) > 50, statuses
    assert versions["0.0.0+reload-test"] > 0 and versions[scorer.version] > 0
    print(f"\nrequests during three reloads: {dict(statuses)}, by model: {dict(versions)}")


def test_a_bad_model_is_refused_and_the_old_one_keeps_serving(server, tmp_path, model_dir, scorer):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = httpx.post(server.url + "/admin/reload", json={"model": str(empty)}, headers=ADMIN, timeout=60)
    assert r.status_code == 422 and "not a model folder" in r.json()["detail"]
    tampered = _copy_model(model_dir, tmp_path / "tampered", "x")
    data = bytearray((tampered / "compiled.npz").read_bytes())  # what scoring loads
    data[-100] ^= 0xFF
    (tampered / "compiled.npz").write_bytes(bytes(data))
    r = httpx.post(server.url + "/admin/reload", json={"model": str(tampered)}, headers=ADMIN, timeout=60)
    assert r.status_code == 422 and "SHA-256" in r.json()["detail"]
    assert httpx.post(server.url + "/admin/reload", json={"model": str(empty)}, timeout=60).status_code == 401
    r = httpx.post(server.url + "/admin/reload", json={"modle": "x"}, headers=ADMIN, timeout=60)
    assert r.status_code == 422
    r = httpx.post(server.url + "/admin/reload", json={"model": " "}, headers=ADMIN, timeout=60)
    assert r.status_code == 422 and "empty" in r.json()["detail"]  # not a silent reload of the default
    r = httpx.post(server.url + "/admin/reload", json={"model": "no-such-folder"}, headers=ADMIN, timeout=60)
    assert r.status_code == 422 and os.sep + "no-such-folder" in r.json()["detail"]  # the path it resolved
    assert httpx.get(server.url + "/health", timeout=10).json()["model_version"] == scorer.version
    assert httpx.post(server.url + "/score", json={"text": BAIT}, headers=ADMIN, timeout=30).status_code == 200


@pytest.mark.parametrize("to", ["each worker", "the main process"])
def test_with_several_workers_a_sighup_reloads_every_worker_in_place(tmp_path, model_dir, scorer, to):
    """Under `--workers 2` a SIGHUP to each worker, or one to the main process (which passes it on), swaps
    every worker's model in place, with no request cut."""
    with Server(tmp_path, "--workers", "2", ADRISK_MODEL=str(model_dir)) as server:
        assert wait_for(lambda: len(re.findall(r"Started server process \[(\d+)\]", server.output())) == 2)
        workers = [int(p) for p in re.findall(r"Started server process \[(\d+)\]", server.output())]
        if to == "the main process":
            workers = [server.process.pid]
        stop, statuses, errors = threading.Event(), Counter(), []

        def fire():
            with httpx.Client(base_url=server.url, timeout=60) as c:
                while not stop.is_set():
                    try:
                        statuses[c.post("/score", json={"text": BAIT}).status_code] += 1
                    except httpx.HTTPError as e:
                        errors.append(repr(e))

        threads = [threading.Thread(target=fire) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(1)
            for pid in workers:
                os.kill(pid, signal.SIGHUP)
            assert wait_for(lambda: server.output().count("reloaded model") == 2), server.tail()
            time.sleep(1)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
    assert errors == [] and set(statuses) == {200} and sum(statuses.values()) > 50, (statuses, errors[:3])
    print(f"\ntwo workers, reloaded by a SIGHUP to {to}: {dict(statuses)}")


def test_with_several_workers_the_reload_route_says_it_reached_one(tmp_path, model_dir):
    with Server(tmp_path, "--workers", "2", ADRISK_MODEL=str(model_dir), ADRISK_API_KEY="admin-key") as server:
        r = httpx.post(server.url + "/admin/reload", headers=ADMIN, timeout=60)
        assert r.status_code == 200
        body = r.json()
        assert body["workers"] == 2 and "only this worker of 2" in body["note"] and "SIGHUP" in body["note"]
        assert f"[{body['worker_pid']}]" in server.output()  # one of the workers serve started
