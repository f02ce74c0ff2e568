"""Behaviour of the trained model on cases a user would check first (CheckList style)."""
import math

import pytest

from conftest import SHARED

BAIT = "Нужен закладчик в Алматы, оплата от 150 000 ₸ в неделю, опыт не нужен, пиши в телеграм @fast_job_kz"
ACCOUNTANT = ("ТОО «Алтын Дән» (Астана, Кенесары 40) ищет бухгалтера: первичка, 1С, налоговые отчёты. "
              "Пятидневка, оформление по трудовому договору, оклад 350 000 ₸.")
LEGIT_COURIER = ("Курьер в службу доставки ТОО «Дала Экспресс», г. Алматы, ул. Сатпаева 22. Доставка заказов по городу "
                 "на автомобиле компании, график 5/2, официальное оформление по ТК РК, зарплата 280 000 ₸ в месяц, "
                 "собеседование в офисе. Звоните в отдел кадров: 8 727 000 00 00.")
OBFUSCATED = "Нужен курьeр-зaклaдчик, оплата от 80 000 руб в неделю, опыт не нужен. Пишите в ЛС"


def test_explicit_bait_scores_high(scorer):
    r = scorer.explain(BAIT)
    assert r.risk == "high" and r.category == "drug_courier"


def test_accountant_scores_low(scorer):
    assert scorer.explain(ACCOUNTANT).risk == "low"


def test_legit_courier_ad_scores_low(scorer):
    assert scorer.explain(LEGIT_COURIER).risk == "low"


def test_obfuscated_ad_is_caught_with_a_span_on_the_disguised_word(scorer):
    r = scorer.explain(OBFUSCATED)
    assert (r.category, r.risk) == ("drug_courier", "high")
    start = OBFUSCATED.index("зaклaдчик")
    assert any(x.start <= start and x.end >= start + len("зaклaдчик") for x in r.reasons)
    for x in r.reasons:
        assert OBFUSCATED[x.start:x.end] == x.text
    assert "obfuscation" in {f.name for f in r.flags}


def test_probabilities_sum_to_one(scorer):
    for r in scorer.score([BAIT, ACCOUNTANT, "", "🙂" * 50]):
        assert sum(r.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert r.score == pytest.approx(r.probabilities["drug_courier"] + r.probabilities["scam_recruitment"], abs=1e-5)


def test_empty_text_is_low(scorer):
    assert scorer.score([""])[0].risk == "low"


@pytest.mark.parametrize("city", ["Астане", "Караганде", "Шымкенте", "Павлодаре"])
def test_swapping_the_city_barely_moves_the_score(scorer, city):
    base = "Ищем курьеров в Алматы, оплата 15 000 ₸ в день, пиши в лс"
    a, b = scorer.scores([base, base.replace("Алматы", city)])
    assert abs(a - b) < 0.1


@pytest.mark.parametrize("ad", [
    "Требуется курьер на доставку посылок по городу, график свободный",
    "Ищем водителя с личным авто для развоза заказов",
    "Работа на складе, смены по 8 часов",
])
def test_crypto_pay_and_dm_raise_the_score(scorer, ad):
    plain, bait = scorer.scores([ad, ad + ", оплата в крипте, пиши в лс"])
    logit = lambda p: math.log(p / (1 - p))
    assert logit(min(bait, 1 - 1e-9)) > logit(plain) + 1.0


# Short texts, none of them in the corpus (the first test holds that): the score follows the bait cues a short
# text carries, not the bare words курьер, работа, нужен.
SHORT_NO_CUE = ["Срочно требуется курьер", "Курьеры нужны", "Ищем курьера в команду", "Нужен водитель-курьер",
                "Требуются курьеры", "Курьер на полный день", "Жұмыс керек"]
SHORT_SEEKERS = ["Ищу работу, любую", "Нужна работа срочно", "Кто подскажет работу курьером?", "Need a job asap",
                 "Студентка, ищу подработку по вечерам"]
# The corpus holds few short texts, most of them bait, so the model reads a bare "курьер" or "нужна работа" as bait
# (Курьеры нужны 0.999, Нужна работа срочно 0.923). Written short requests and seekers fixed these but moved the
# weight of курьер so far that "курьер-закладчик" became a lowering phrase: not shipped yet. strict: these fail
# until a model gets them right, and then the marks must go.
KNOWN_SHORT_TEXT_WEAKNESS = pytest.mark.xfail(strict=True, reason="known weakness: short texts without a bait cue")
SHORT_CUED = ["Курьер, 25к в день, пиши в лс", "Требуются закладчики, оплата сразу", "Курьер без опыта, оплата в USDT",
              "Работа для смелых, 30к/день, тг", "Нужны кладмены, Караганда, пиши", "Лёгкие деньги, 40к в неделю, лс"]


def test_the_short_texts_below_are_not_in_the_corpus():
    from training.corpus import written_examples

    known = set(written_examples()["text"].str.lower().str.strip())
    assert not known & {t.lower() for t in SHORT_NO_CUE + SHORT_SEEKERS + SHORT_CUED}


@KNOWN_SHORT_TEXT_WEAKNESS
def test_a_short_request_without_a_bait_cue_is_not_high(scorer):
    assert [r.risk for r in scorer.score(SHORT_NO_CUE)].count("high") == 0


@KNOWN_SHORT_TEXT_WEAKNESS
def test_a_short_post_by_someone_looking_for_work_is_low(scorer):
    assert [r.risk for r in scorer.score(SHORT_SEEKERS)] == ["low"] * len(SHORT_SEEKERS)


def test_a_short_text_with_bait_cues_is_at_least_medium(scorer):
    assert "low" not in [r.risk for r in scorer.score(SHORT_CUED)]


def test_seed_articles_score_low(scorer):
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("the seed articles are not beside the project")
    scores = scorer.scores([p.read_text(encoding="utf-8") for p in seeds])
    assert all(s < scorer.medium for s in scores), scores


def test_compiled_scorer_matches_the_pipeline(scorer):
    import numpy as np

    texts = [BAIT, ACCOUNTANT, LEGIT_COURIER, OBFUSCATED, "", "🙂🙂", "a", "Ρабοта в наpк0 ш0пе\u200b"]
    expected = scorer.pipeline.predict_proba(texts)
    assert np.abs(scorer.compiled.predict_proba(texts) - expected).max() < 1e-6
