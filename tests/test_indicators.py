"""Indicators: precision and recall per kind on the written test set, spans, masking, near misses, and their
place in every result."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.indicators import KINDS, find_indicators, mask_card, might_have_indicators
from disguises import ALL_KINDS, disguise
from indicator_eval import evaluate, format_table, rows


def test_test_set_is_large_and_covers_every_kind_and_near_misses():
    data = rows()
    assert len(data) >= 300
    kinds = {g["kind"] for r in data for g in r["indicators"]}
    assert kinds == set(KINDS)
    assert sum(1 for r in data if not r["indicators"]) >= 100  # near misses: prices, dates, orders, bad checksums
    assert sum(1 for r in data if r["disguise"]) >= 80


def test_precision_and_recall_per_kind_meet_the_goals():
    table, errors = evaluate()
    print("\n" + format_table(table))
    for row, missed, extra in errors[:20]:
        print(repr(row["text"][:120]), row["disguise"], dict(missed), dict(extra))
    for kind, r in table.items():
        assert r["tp"] + r["fn"] >= 20, f"{kind}: too few gold indicators to measure"
        assert r["recall"] >= 0.97, f"{kind}: recall {r['recall']:.3f}"
        assert r["precision"] >= 0.98, f"{kind}: precision {r['precision']:.3f}"


def test_spans_point_at_the_original_characters():
    for row in rows():
        for i in find_indicators(row["text"], reveal=True):
            assert row["text"][i.start:i.end] == i.value, (row["text"], i)


@pytest.mark.parametrize("text, kind, normalized", [
    ("Пиши @ fast_job", "telegram", "fast_job"),
    ("Пиши @fаst_јоb", "telegram", "fast_job"),                  # Cyrillic а, ј, о
    ("Пиши @ f a s t _ j o b", "telegram", "fast_job"),
    ("Пиши ＠ｆａｓｔ＿ｊｏｂ", "telegram", "fast_job"),            # fullwidth
    ("Пиши @fa\u200bst_job", "telegram", "fast_job"),            # zero-width inside
    ("Канал t(.)me/fast_job", "telegram", "fast_job"),
    ("Бот t.me/Fast_Job_Bot?start=ref", "telegram_bot", "fast_job_bot"),
    ("Чат https://t.me/+AbCdEf123456GhIj", "telegram_invite", "t.me/+AbCdEf123456GhIj"),
    ("Чат t.me/joinchat/AbCdEf123456GhIj", "telegram_invite", "t.me/+AbCdEf123456GhIj"),
    ("Почта ivan собака mail точка ru", "email", "ivan@mail.ru"),
    ("Почта ivan с0б@к@ mail т0чк@ ru", "email", "ivan@mail.ru"),
    ("Почта ivan (at) mail (dot) ru", "email", "ivan@mail.ru"),
    ("Сайт rabota точка kz", "url", "rabota.kz"),
    ("Сайт rabota[.]kz/apply", "url", "rabota.kz/apply"),
    ("Звони 8 7 0 1 2 3 4 5 6 7 8", "phone", "+77012345678"),
    ("Звони +7 7О1 234 56 78", "phone", "+77012345678"),          # letter О for zero
    ("Звони 8 (727) 355-40-12", "phone", "+77273554012"),
    ("Звони +7 912 345-67-89", "phone", "+79123456789"),
    ("wa.me/77012345678", "whatsapp", "+77012345678"),
    ("IBAN KZ86 125K ZT50 0410 0100", "iban", "KZ86125KZT5004100100"),
    ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
    ("ETH 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
    ("vk.com/Fast_Job", "vk", "vk.com/fast_job"),
])
def test_disguised_forms(text, kind, normalized):
    assert (kind, normalized) in [(i.kind, i.normalized) for i in find_indicators(text)]


@pytest.mark.parametrize("text", [
    "Зарплата 150 000 ₸, выплаты 5 и 20 числа",
    "Бюджет 7 000 000 000 тг",
    "Собеседование 12.05.2025 в 14:30",
    "Ваш заказ №7012345678 передан в доставку",
    "Номер заказа 4400430123456789",                             # Luhn-valid, but an order number
    "Карта лояльности 4400 4301 2345 6780",                      # 16 digits that fail Luhn
    "ИИН 900101300123, БИН 120340015678",
    "Скидка 30% до 31.12.2025",
    "Остаток 7 701 234 567 тг",
    "Торговая точка в ТРЦ, моя собака, и т.д.",
    "ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",            # mixed case that fails EIP-55
    "@abc слишком короткий",
    "Ставка 0,5% в день и 15% в месяц",
])
def test_near_misses_are_not_indicators(text):
    assert find_indicators(text) == []


def test_cards_are_masked_unless_revealed():
    text = "Перевод на карту 4400 4301 2345 6789 до вечера"
    masked, = find_indicators(text)
    assert masked.value == "4400 43** **** 6789" and masked.normalized == "440043******6789"
    assert text[masked.start:masked.end] == "4400 4301 2345 6789"
    full, = find_indicators(text, reveal=True)
    assert full.normalized == "4400430123456789"
    assert mask_card("4400-4301-2345-6789") == "4400-43**-****-6789"


def test_every_disguise_of_a_contact_line_keeps_its_indicators():
    line = "Пиши @fast_job или звони +7 701 234 56 78, сайт www.rabota-kz.com"
    want = {("telegram", "fast_job"), ("phone", "+77012345678"), ("url", "rabota-kz.com")}
    for kind in ALL_KINDS:
        for seed in range(3):
            text = disguise(kind, line, str(seed))
            got = {(i.kind, i.normalized) for i in find_indicators(text)}
            assert want <= got, (kind, text, got)


def test_the_cheap_check_only_skips_texts_without_indicators():
    for row in rows():
        if row["indicators"]:
            assert might_have_indicators(row["text"]), row["text"]
    assert not might_have_indicators("Требуется продавец в магазин, график 2/2, оплата 150 000 ₸")


def test_scanning_only_the_lines_a_trigger_fires_on_finds_what_a_whole_scan_does(monkeypatch):
    import classifier.indicators as ind

    data = [r["text"] for r in rows()]
    filler = ["Работа в офисе, график 5/2.", "Оплата 150 000 ₸ в месяц", "", "Пишите в комментарии 🙂"]
    # long posts: several test texts (contacts, near misses, disguises) between lines that hold nothing
    posts = ["\n".join(data[k:k + 4] + filler[: k % 5]) for k in range(0, len(data), 3)]
    lined = [find_indicators(p, reveal=True) for p in posts]
    monkeypatch.setattr(ind, "_line_spans", lambda s, want: None)
    whole = [find_indicators(p, reveal=True) for p in posts]
    assert sum(map(len, whole)) > len(posts)
    assert lined == whole


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_text_gives_valid_spans(text):
    for i in find_indicators(text, reveal=True):
        assert 0 <= i.start < i.end <= len(text)
        assert text[i.start:i.end] == i.value


def test_indicators_in_every_result_mode(scorer):
    texts = ["Нужен закладчик, пиши @fast_job, карта 4400430123456789", "Продам диван"]
    explained = scorer.score(texts)
    fast = scorer.score(texts, explain=False)
    records = scorer.records(texts)
    for results in (explained, fast):
        assert [(i.kind, i.normalized) for i in results[0].indicators] == [("telegram", "fast_job"),
                                                                          ("card", "440043******6789")]
        assert results[1].indicators == []
    assert records[0]["indicators"] == [i.model_dump() for i in fast[0].indicators]
    assert records == [r.model_dump() for r in fast]
    assert scorer.score(texts[:1], reveal=True)[0].indicators[1].normalized == "4400430123456789"
    assert scorer.explain(texts[0]).model_dump_json()  # serializes without warnings or errors


@pytest.mark.parametrize("written, read", [
    ("пиши @fаst_jоb", "пиши @fast_job"),  # look-alikes after Latin letters
    ("сайт аbc.kz", "сайт abc.kz"),  # a look-alike first, then Latin
    ("зайди на сайт", "зайди на сайт"),  # look-alikes with no Latin beside them stay
    ("Xорошая работа", "Xорошая работа"),  # mostly Cyrillic: not a Latin token
])
def test_look_alikes_in_mostly_latin_tokens_are_read_as_latin(written, read):
    from classifier.indicators import _latinize

    assert _latinize(written) == read


LINK_PIECES = ["https://", "http://", "www.", "m.", "api.", "t", "T", "telegram", ".", " . ", "(.)", " dot ",
               " точка ", "me", "ME", "dog", "/", " /", "\t", " ", "+", "joinchat/", "addlist/", "s/",
               "tg://resolve?domain=", "tg://join?invite=", "kur_job", "Kurier_Bot1", "77012345678", "wa", "wa.me/",
               "WA.ME", "whatsapp.com/", "send?phone=", "chat.", "invite/", "AbCdEfGhIjKlMnOpQrSt", "vk", "vk.com/",
               "VK.RU", "vk.me/", "id123", "\u212a", "@", " @ ", "(at)", "[ AT ]", " собака ", "(собака)", "s0bака",
               "sobaka", "gmail", "mail.ru", ".com", ".kz", " dot ", "ivan.petrov", "-"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LINK_PIECES), max_size=14).map("".join))
def test_a_link_or_email_pattern_runs_wherever_it_could_match(text):
    import classifier.indicators as ind

    for pattern, needs in ((ind._TME, ind._TME_NEEDS), (ind._WHATSAPP, ind._WHATSAPP_NEEDS), (ind._VK, ind._VK_NEEDS),
                           (ind._EMAIL, ind._EMAIL_NEEDS)):
        if pattern.search(text):
            assert needs.search(text), (pattern.pattern[:30], text)


EMAIL_PARTS = (["", "пиши ", "Mail:", "(", "text\n"], ["ivan.petrov", "kur_job", "a1", "Kurier"],
               ["@", " @ ", "(at)", "[ AT ]", " собака ", "(собака)", " s0bака ", " sobaka ", "\uff20", " "],
               ["mail.ru", "gmail.com", "yandex . kz", "site dot com", "сайт.рф", "x(.)org"], ["", ".", " ok", ")"])


@settings(max_examples=300, deadline=None)
@given(st.tuples(*map(st.sampled_from, EMAIL_PARTS)).map("".join))
def test_the_email_pattern_runs_wherever_it_could_match(text):
    import classifier.indicators as ind

    assert not ind._EMAIL.search(text) or ind._EMAIL_NEEDS.search(text), text


def test_emails_written_every_way_are_found():
    import classifier.indicators as ind

    found = [ind._EMAIL.search(f"{local}{at}{host}") is not None
             for local in EMAIL_PARTS[1] for at in EMAIL_PARTS[2][:-2] for host in EMAIL_PARTS[3][:2]]
    assert sum(found) > 0.8 * len(found)
