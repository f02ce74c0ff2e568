"""Shared fixtures: the trained model (built by `make train`), a scorer and an API client."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


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
