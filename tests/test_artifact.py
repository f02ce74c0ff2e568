"""Model files are checked before loading: checksum, allow-listed types, version; writes are atomic."""
import json
import shutil

import pytest

from classifier.artifact import CARD_FILE, MODEL_FILE, ModelError, load_model, save_model


@pytest.fixture()
def copy(tmp_path, model_dir):
    dst = tmp_path / "m"
    shutil.copytree(model_dir, dst)
    return dst


def test_tampered_model_is_refused(copy):
    data = bytearray((copy / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(copy)


def test_foreign_types_are_refused_even_with_a_matching_checksum(copy):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    import hashlib

    import skops.io as sio

    data = sio.dumps(Pipeline([("f", FunctionTransformer(print))]))
    (copy / MODEL_FILE).write_bytes(data)
    card = json.loads((copy / CARD_FILE).read_text())
    (copy / CARD_FILE).write_text(json.dumps(card | {"sha256": hashlib.sha256(data).hexdigest()}))
    with pytest.raises(ModelError, match="allow-list"):
        load_model(copy)


def test_not_a_skops_file_is_refused(copy):
    import hashlib

    (copy / MODEL_FILE).write_bytes(b"not a zip")
    card = json.loads((copy / CARD_FILE).read_text())
    card["sha256"] = hashlib.sha256(b"not a zip").hexdigest()
    (copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="not a skops model"):
        load_model(copy)


def test_other_scikit_learn_version_is_reported(copy):
    card = json.loads((copy / CARD_FILE).read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    (copy / CARD_FILE).write_text(json.dumps(card))
    with pytest.warns(UserWarning, match="0.0.1"):
        load_model(copy)


def test_interrupted_save_keeps_the_previous_model(copy, monkeypatch):
    before = (copy / MODEL_FILE).read_bytes(), (copy / CARD_FILE).read_bytes()
    pipeline, card = load_model(copy)
    import os

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        save_model(pipeline, dict(card, version="new"), copy)
    assert ((copy / MODEL_FILE).read_bytes(), (copy / CARD_FILE).read_bytes()) == before
    assert {MODEL_FILE, CARD_FILE} <= {p.name for p in copy.iterdir()}
    assert not [p.name for p in copy.iterdir() if p.name.startswith(".")], "a temporary file was left behind"


def test_saving_the_same_model_twice_gives_the_same_bytes(model_dir, tmp_path):
    """skops names objects by memory address; the saved file must not depend on it."""
    first, card = load_model(model_dir)
    second, _ = load_model(model_dir)  # new objects at other addresses
    a = save_model(first, card, tmp_path / "a")
    b = save_model(second, card, tmp_path / "b")
    assert a["sha256"] == b["sha256"]
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() == (tmp_path / "b" / MODEL_FILE).read_bytes()
    reloaded, _ = load_model(tmp_path / "a")
    texts = ["Нужен закладчик, 5000 в день, пиши в лс", "Бухгалтер в ТОО, оклад 300 000 ₸"]
    assert (reloaded.predict_proba(texts) == first.predict_proba(texts)).all()


def test_scoring_loads_the_compiled_arrays_without_scikit_learn(model_dir):
    import subprocess
    import sys

    code = ("import sys; from classifier.scorer import Scorer; s = Scorer.load(sys.argv[1]); "
            "s.score(['курьер 5000 в день']); print(','.join(m for m in ('sklearn', 'skops', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(model_dir)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_tampered_compiled_arrays_are_refused(copy):
    from classifier.artifact import COMPILED_FILE
    from classifier.scorer import Scorer

    data = bytearray((copy / COMPILED_FILE).read_bytes())
    data[len(data) // 3] ^= 0x01
    (copy / COMPILED_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        Scorer.load(copy)


def test_compiled_arrays_equal_the_pipeline(scorer):
    import numpy as np

    texts = ["Нужен закладчик, 5000 в день", "бухгалтер в ТОО «Арай»", "Ρабοта в шοпе", ""]
    assert np.abs(scorer.compiled.predict_proba(texts) - scorer.pipeline.predict_proba(texts)).max() < 1e-9
