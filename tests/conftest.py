"""Shared fixtures: the trained model (built by `make train`), a scorer, an API client, review stores (SQLite
and a real PostgreSQL server started for the session)."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# an app a test makes without naming a store keeps it in a throwaway folder, never in ./data or a real database
_DATA = tempfile.mkdtemp(prefix="adrisk-test-data-")
atexit.register(shutil.rmtree, _DATA, True)
os.environ["ADRISK_DATA_DIR"] = _DATA
for _name in ("ADRISK_DATABASE_URL", "ADRISK_STORE_TEXT", "ADRISK_MODERATOR_KEYS", "ADRISK_API_KEY"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    path = Path(os.environ.get("ADRISK_MODEL", ROOT / "models"))
    assert (path / "model.skops").exists(), "no trained model: run `make train` first"
    return path


@pytest.fixture(scope="session")
def scorer(model_dir):
    from classifier.scorer import Scorer

    return Scorer.load(model_dir)


@pytest.fixture()
def client(scorer):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import ApiSettings

    with TestClient(create_app(ApiSettings(), scorer=scorer), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster of its own for the session (skipped, with the reason, where none can be installed)."""
    from services import Postgres

    try:
        server = Postgres().start()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    """A fresh, empty review store: a SQLite file, then a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    yield request.getfixturevalue("store_url_pg")


@pytest.fixture()
def store_url_pg(postgres):
    """A new, empty database on the session's PostgreSQL server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)
