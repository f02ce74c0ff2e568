"""Named red flags: what each one catches, and the ordinary text that must not trip it."""
import pytest

from classifier.explain import flags_for
from classifier.flags import find_flags
from classifier.normalize import normalize


def names(text: str) -> set[str]:
    return {f.name for f in flags_for(normalize(text))}


@pytest.mark.parametrize("text,flag", [
    ("Виза и перелёт за наш счёт, работа на складе в Дубае", "paid_travel"),
    ("Проживание за счёт компании, билеты оплачиваем", "paid_travel"),
    ("Visa and flights paid, accommodation provided", "paid_travel"),
    ("Жатақхана және жол біздің есебімізден", "paid_travel"),
    ("Перед стартом нужна предоплата 5 000 ₸ за оформление", "deposit"),
    ("Взнос за обучение 10 000, потом выходишь на линию", "deposit"),
    ("Куплю банковскую карту, плачу сразу", "bank_cards"),
    ("Сдай карту в аренду на месяц — 50 000 ₸", "bank_cards"),
    ("Нужны люди с картой Kaspi, доход каждый день", "bank_cards"),
    ("Ищем дропов, оплата в USDT", "bank_cards"),
    ("Rent your bank card and earn $200 a week", "bank_cards"),
    ("Жасырын жұмыс, күніне 50 мың", "secrecy"),
    ("Сұрақ қойма, тек жаса", "secrecy"),
    ("Пиши @fаst_job_kz, работа на сегодня", "telegram_contact"),  # a Cyrillic а in a Latin handle
    ("Подробности у куратора: @ dostavka_ast", "telegram_contact"),  # a space after the @
])
def test_flag_is_found(text, flag):
    assert flag in names(text)


@pytest.mark.parametrize("text,flag", [
    ("Кладу деньги на депозит каждый месяц", "drug_slang"),
    ("Halyk Bank приглашает кассира, график 5/2, Алматы", "obfuscation"),
    ("Водитель кат. C, оплата за рейс, ТОО «Астык Логистик»", "obfuscation"),
    ("Водитель категории B и C, стаж от 3 лет", "obfuscation"),
    ("Yandex Taxi ищет водителей в Астане", "obfuscation"),
    ("Продаю айфон, пиши в лс", "bank_cards"),
    ("Оплата аренды на счёт ТОО до 10 числа", "bank_cards"),
    ("Консультант по продаже банковских карт в отделение банка", "bank_cards"),
    ("Скидка 20% @5000 тенге", "telegram_contact"),
    ("Пишите на почту hr.almaty@kaspi.kz", "telegram_contact"),
    ("Я @ дома, перезвоню", "telegram_contact"),
    ("Work @ home, flexible hours", "telegram_contact"),
    ("пишите ivan @ mail.ru", "telegram_contact"),
    ("цена @5000tg за смену", "telegram_contact"),
])
def test_ordinary_text_does_not_trip_the_flag(text, flag):
    assert flag not in names(text)


def test_real_disguise_is_still_flagged():
    assert "obfuscation" in names("Рaбoтa в шoпe, пиши в лс")


def test_every_flag_span_points_into_the_original():
    text = "ВИЗА и ПЕРЕЛЁТ за наш счёт 🔥 куплю карту, предоплата за оформление"
    for f in flags_for(normalize(text)):
        assert text[f.start:f.end] == f.text
    assert {h.name for h in find_flags(normalize(text).text)} >= {"paid_travel", "bank_cards", "deposit"}


def test_every_match_holds_one_of_its_patterns_stems():
    """find_flags searches a pattern only in texts holding one of its STEMS: no match may lack them."""
    import random

    from classifier.evasions import perturb
    from classifier.flags import STEMS, compiled
    from classifier.normalize import normalize_text
    from training.corpus import written_examples

    texts = written_examples()["text"].tolist()
    rng = random.Random(3)
    texts += [perturb(k, t, str(i)) for i, t in enumerate(rng.sample(texts, 500)) for k in ("latin", "separators")]
    checked = 0
    for text in map(normalize_text, texts):
        for name, pattern in compiled().items():
            m = pattern.search(text)
            if m:
                checked += 1
                assert any(stem in m.group(0) for stem in STEMS[name]), (name, m.group(0))
    assert checked > 5000
