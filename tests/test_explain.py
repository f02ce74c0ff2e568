"""Reasons: each word's share of the decision, the same from the batch kernel and the reference pass."""
import random

import numpy as np
import pytest

from classifier.evasions import perturb
from classifier.explain import flags_for, units_of
from classifier.flags import find_flags
from classifier.normalize import normalize
from training.corpus import written_examples

BAIT = "Нужен курьeр-зaклaдчик, оплата от 80 000 руб в неделю, опыт не нужен. Пишите в ЛС"
LEGIT = "ТОО «Алтын Дән» ищет бухгалтера: 1С, пятидневка, трудовой договор, оклад 350 000 ₸. Астана, Кенесары 40"


@pytest.fixture(scope="module")
def texts():
    rng = random.Random(5)
    sample = rng.sample(written_examples()["text"].tolist(), 600)
    disguised = [perturb(kind, t, str(i)) for i, t in enumerate(sample[:150]) for kind in ("latin", "invisible",
                                                                                            "separators", "mixture")]
    spaced = ["н у ж е н  з а к л а д ч и к, пиши в лс", "Р а б о т а 🔥 в шопе", "", "   ", "🙂🙂🙂", "a"]
    return sample + disguised + spaced


def test_kernel_matches_the_reference_pass(scorer, texts):
    fast = scorer._explainer()
    batch = fast.analyse(texts)
    parts = fast.explain(batch, list(range(len(texts))))
    assert batch.slow.any() and not batch.slow.all()  # both paths are exercised
    for i, text in enumerate(texts):
        normalized = normalize(text)
        ref = units_of(normalized, scorer.compiled, *fast.direction_by_id)
        got, got_norm, disguised, hits = parts[i]
        assert list(zip(got.starts.tolist(), got.ends.tolist())) == [(u.start, u.end) for u in ref], text
        assert np.allclose(got.weights, [u.weight for u in ref], atol=1e-9), text
        assert got_norm.text == normalized.text
        assert hits == find_flags(normalized.text), text  # from per-token bits on the fast path
        assert flags_for(got_norm, disguised, hits=hits) == flags_for(normalized), text


def test_word_shares_add_up_to_the_decision_along_the_direction(scorer, texts):
    """Sum of the words' weights = direction . (word and character TF-IDF row): nothing is left out."""
    fast = scorer._explainer()
    m = scorer.compiled
    n_word, n_char = len(m.word_vocab), len(m.char_vocab)
    for text in texts[:200]:
        normalized = normalize(text)
        wi, wv, ci, cv, _ = m.features(normalized.text, normalized.obfuscation.share())
        expected = wv @ scorer._direction[wi] + cv @ scorer._direction[n_word + ci]
        total = sum(u.weight for u in units_of(normalized, m, *fast.direction_by_id))
        assert total == pytest.approx(expected, abs=1e-9)
        assert n_char == len(fast.direction_by_id[0])


def test_spans_point_into_the_original_text(scorer, texts):
    for text, r in zip(texts, scorer.score(texts)):
        for x in [*r.reasons, *r.lowering, *r.flags]:
            assert text[x.start:x.end] == x.text and x.text


def test_batch_reasons_equal_single_text_explain(scorer, texts):
    batch = scorer.score(texts[:300])
    for text, r in zip(texts[:300], batch):
        assert scorer.explain(text) == r


def test_a_low_score_shows_no_raising_reasons_but_what_lowered_it(scorer):
    r = scorer.explain(LEGIT)
    assert r.risk == "low" and r.reasons == []
    assert r.lowering and all(x.weight < 0 for x in r.lowering)
    assert any("бухгалтер" in x.text or "договор" in x.text for x in r.lowering)


def test_bait_reasons_raise_and_cover_the_disguised_word(scorer):
    r = scorer.explain(BAIT)
    assert r.risk == "high" and all(x.weight > 0 for x in r.reasons)
    start = BAIT.index("зaклaдчик")
    assert any(x.start <= start < x.end for x in r.reasons)
    assert [x.weight for x in r.reasons] == sorted((x.weight for x in r.reasons), reverse=True)


def test_flagged_mode_explains_only_rows_at_or_above_medium(scorer, texts):
    full = scorer.score(texts[:400])
    flagged = scorer.score(texts[:400], explain="flagged")
    assert any(r.risk == "low" for r in full) and any(r.risk != "low" for r in full)
    for a, b in zip(full, flagged):
        if a.risk == "low":
            assert (b.reasons, b.lowering, b.flags) == ([], [], []) and b.score == a.score
        else:
            assert a == b
    with pytest.raises(ValueError):
        scorer.score(["x"], explain="some")


def test_a_phrase_repeated_many_times_is_one_reason_with_the_weight_of_all_its_copies(scorer):
    once = "Нужны закладчики, пиши в лс. "
    one, many = scorer.score([once, once * 200], explain=True)
    assert many.reasons  # the copies' split weights were each under the threshold: no reason was shown
    assert [(r.text, r.start, r.end) for r in many.reasons] == [(r.text, r.start, r.end) for r in one.reasons]
    assert [r.weight for r in many.reasons] == pytest.approx([r.weight for r in one.reasons], rel=1e-3)
