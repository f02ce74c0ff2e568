"""Retraining from moderators' verdicts: `adrisk train --feedback`, with and without stored text."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from api.store import Store
from classifier.featurebag import bag, rows, vocabulary_fingerprint
from classifier.features import RiskFeatures
from classifier.scorer import Scorer
from moderation_texts import moderated
from training.corpus import written_examples

ADRISK = str(Path(sys.executable).parent / "adrisk")

# texts of the two overturned kinds that are not among the 200: does the lesson carry over?
UNSEEN = [("not_bait", "Пиццерия «Маргарита» в Кокшетау ищет курьеров на самокате, 9 000 тг за смену, "
                       "выплата каждый вечер, пишите в лс"),
          ("not_bait", "Кофейня «Арабика» в Семее ищет пешего курьера развозить заказы, 8 500 тг в день, "
                       "оплата ежедневно, пиши в телеграм"),
          ("not_bait", "Книжный магазин «Кітап» в Уральске ищет курьера на выходные, 10 000 тг за день, "
                       "деньги в конце смены, пишите в директ"),
          ("bait", "Требуется администратор в салон красоты «Ару» в Талдыкоргане, оклад 230 000 тг, "
                   "перед выходом оплатите медкнижку 18 000 тг"),
          ("bait", "Требуется водитель в транспортную компанию «Көлік» в Кызылорде, зарплата 350 000 тг, "
                   "залог за пропуск и форму 25 000 тг"),
          ("bait", "Требуется оператор склада в компанию «Қойма» в Экибастузе, доход 200 000 тг, "
                   "обязательное платное обучение 28 000 тг")]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tiny_model():
    """A model of another vocabulary."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipe = Pipeline([("features", RiskFeatures(min_df=1)), ("clf", LogisticRegression())])
    return Scorer(pipe.fit(["курьер 5000 в день", "бухгалтер в ТОО"], ["drug_courier", "legit_job"]), {}).compiled


def test_feature_bags_rebuild_the_model_rows(scorer):
    compiled, features = scorer.compiled, scorer.pipeline.named_steps["features"]
    texts = written_examples()["text"].tolist()[::40] + ["", "🙂 k u r ь e r", "Нужен кур'ер 5000₽ в день"]
    rebuilt = rows(compiled, [json.loads(json.dumps(bag(compiled, t))) for t in texts])  # through JSON, as stored
    assert abs(rebuilt - features.transform(texts)).max() < 1e-12
    assert vocabulary_fingerprint(compiled) == vocabulary_fingerprint(Scorer(scorer.pipeline, scorer.card).compiled)
    assert vocabulary_fingerprint(_tiny_model()) != vocabulary_fingerprint(compiled)
    assert all(isinstance(j, int) for j, _ in bag(compiled, texts[0])["w"])  # ids, not the n-grams themselves
    with pytest.raises(ValueError, match="indicator columns"):
        rows(compiled, [dict(bag(compiled, texts[0]), d=[0.0])])


def _queue_and_judge(scorer, url: str, store_text: bool) -> list[dict]:
    """The 200 texts queued through the API and judged through the API; the model's scores before."""
    rows_ = moderated()
    with TestClient(create_app(ApiSettings(database_url=url, store_text=store_text), scorer=scorer)) as c:
        for row in rows_:
            scored = c.post("/score?queue=true", json={"text": row["text"]}).json()
            row["before"] = scored["score"]
            body = {"verdict": row["verdict"], **({"category": row["category"]} if row["category"] else {})}
            assert c.post(f"/items/{scored['item_id']}/verdict", json=body).status_code == 201
    return rows_


@pytest.mark.parametrize("store_text,mode", [(False, "fixed_vocabulary"), (True, "full")])
def test_retrain_from_200_verdicts_moves_the_overturned_items_the_moderators_way(
        scorer, model_dir, tmp_path, store_text, mode):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    judged = _queue_and_judge(scorer, url, store_text)
    served = _sha(model_dir / "model.skops")
    out = tmp_path / "retrained"
    done = subprocess.run([ADRISK, "train", "--feedback", url, "--out", str(out), "--folds", "2"],
                          capture_output=True, text=True, env={**os.environ, "ADRISK_MODEL": str(model_dir)},
                          timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "barely move" not in done.stderr  # 190 verdicts: no warning that they are too few
    assert _sha(model_dir / "model.skops") == served  # the served model is never written over

    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    fb = card["feedback"]
    assert fb["mode"] == mode and fb["verdicts_used"] == 190 and fb["read"] == 190  # the 10 unsure are not used
    assert fb["by_verdict"] == {"bait": 110, "not_bait": 80} and fb["with_text"] == (190 if store_text else 0)
    assert "password" not in fb["source"] and card["cross_validation"]["feedback_rows"]["n"] == 190

    new = Scorer.load(out)
    after = new.scores([r["text"] for r in judged])
    overturned = [(r, a) for r, a in zip(judged, after)
                  if r["verdict"] != "unsure" and (r["before"] >= 0.5) != (r["verdict"] == "bait")]
    assert len(overturned) >= 40
    toward = [(a - r["before"]) if r["verdict"] == "bait" else (r["before"] - a) for r, a in overturned]
    assert all(d > 0 for d in toward), [(r["text"][:50], r["before"], a) for (r, a), d in zip(overturned, toward)
                                        if d <= 0]
    agree = sum((a >= 0.5) == (r["verdict"] == "bait") for r, a in overturned)

    unseen_before, unseen_after = scorer.scores([t for _, t in UNSEEN]), new.scores([t for _, t in UNSEEN])
    unseen_toward = [(b - a) if v == "bait" else (a - b) for (v, _), a, b in zip(UNSEEN, unseen_before, unseen_after)]
    print(f"\n{mode}: {len(overturned)} overturned items, all moved the moderators' way "
          f"(min {min(toward):.3f}, mean {np.mean(toward):.3f}); {agree} now on the moderators' side of 0.5; "
          f"unseen texts of those kinds moved {np.round(unseen_toward, 3).tolist()}; model {card['version']}")
    assert np.mean(unseen_toward) > 0


def test_train_feedback_refuses_to_write_over_a_model(model_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'review.db'}"
    done = subprocess.run([ADRISK, "train", "--feedback", url, "--out", str(model_dir)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.startswith("adrisk: ") and "never writes over" in done.stderr
    assert done.stderr.count("\n") == 1  # one clean line, no traceback
    done = subprocess.run([ADRISK, "train", "--feedback", url, "--out", str(tmp_path / "new")], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2 and "no verdicts to learn from" in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "new" / "card.json").exists()


def test_bags_of_another_vocabulary_are_not_read(scorer, model_dir, tmp_path):
    from training.corpus import DataError
    from training.feedback import train_from_feedback

    url = f"sqlite:///{tmp_path / 'review.db'}"
    store = Store(url)
    text = "Курьер, 5000 в день, пиши в лс"
    other = _tiny_model()
    item = store.queue(text, scorer.score([text])[0].model_dump(), features=bag(other, text),
                       vocabulary=vocabulary_fingerprint(other), actor="t")
    store.set_verdict(item, "not_bait", None, None, "alice")
    store.close()
    with pytest.raises(DataError, match="another vocabulary"):
        train_from_feedback(url, tmp_path / "out", model_dir)


def test_too_few_verdicts_are_said_to_barely_move_the_model():
    from training.feedback import FEW_VERDICTS, few_verdicts_warning

    assert few_verdicts_warning(1).startswith("warning: 1 verdict beside") and str(FEW_VERDICTS) in few_verdicts_warning(1)
    assert few_verdicts_warning(12).startswith("warning: 12 verdicts beside")

