"""Normalization undoes evasions, keeps an exact offset map, and leaves clean text alone."""
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.normalize import normalize, normalize_text

CASES = [
    ("курьeр", "курьер"),                       # Latin e
    ("Ρабοта", "работа"),                       # Greek Rho and omicron
    ("з а к л а д к и", "закладки"),            # letter spacing
    ("з.а.к.л.а.д.к.и", "закладки"),            # dots inside a word
    ("зак_лад*ка", "закладка"),                 # separators inside a word
    ("ш0п", "шоп"),                             # leet digit
    ("з@кл@дчик", "закладчик"),                 # @ for а
    ("ｒａｂｏｔａ", "rabota"),                  # fullwidth
    ("𝐤𝐮𝐫𝐲𝐞𝐫", "kuryer"),                      # mathematical bold
    ("ᴋᴏмᴀнда в шопе", "команда в шопе"),       # small capitals inside Cyrillic words
    ("за\u200bра\u200dбо\u2060ток", "заработок"),  # zero-width characters
    ("за\u0301ра\u0336боток", "заработок"),      # combining marks as noise
    ("привееееет", "привет"),                    # long runs
    ("и\u0306од", "йод"),                        # a real combining letter is composed, not dropped
    ("работа 3@ день", "работа за день"),        # a word made only of leet characters, one of them @
]


@pytest.mark.parametrize("raw,expected", CASES)
def test_undoes_evasion(raw, expected):
    assert normalize(raw).text == expected


@pytest.mark.parametrize("text", ["Оплата 80 000 ₸ в месяц", "3000₽ за смену", "от 10к в день", "5000тг", "2/2 по 12 часов"])
def test_amounts_untouched(text):
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize("text", ["Жұмыс бар, күніне 20 000 ₸ төленеді", "Hello, we are hiring a driver in Almaty",
                                  "Ищем бухгалтера в ТОО «Арай», график 5/2"])
def test_clean_text_only_lower_cased(text):
    assert normalize(text).text == text.lower()


def test_offsets_point_at_what_the_user_sees():
    raw = "Нужен курьeр-зaклaдчик, пишите"
    n = normalize(raw)
    i = n.text.index("закладчик")
    start, end = n.span(i, i + len("закладчик"))
    assert raw[start:end] == "зaклaдчик"


def test_obfuscation_is_measured():
    assert normalize("Рaбoтa в шoпe").obfuscation.share() > normalize("Работа в шопе").obfuscation.share()
    assert normalize("з а к л а д к и").obfuscation.spaced > 0
    assert normalize("за\u200bработок").obfuscation.invisible == 1


any_text = st.text(alphabet=st.characters(codec=None), max_size=200)
clean_words = st.lists(st.sampled_from(["работа", "курьер", "жұмыс", "күніне", "driver", "hiring", "5/2", "80 000",
                                        "тенге", "график", "Алматы", "office", "қала", "доставка"]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_never_raises_and_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_offsets_in_bounds_and_monotone(text):
    n = normalize(text)
    assert len(n.offsets) == len(n.text)
    assert all(0 <= o < len(text) for o in n.offsets)
    assert all(a <= b for a, b in zip(n.offsets, n.offsets[1:]))


@settings(max_examples=200, deadline=None)
@given(clean_words)
def test_clean_words_unchanged_apart_from_case(words):
    text = " ".join(words)
    assert normalize(text).text == text.lower()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.printable + "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі", max_size=120))
def test_text_path_equals_offset_path(text):
    assert normalize_text(text) == normalize(text).text


@pytest.mark.parametrize("raw,expected", [("р@60та", "работа"), ("в03можность", "возможность"), ("3@работка", "заработка"),
                                          ("300р", "300р"), ("в2000г", "в2000г"), ("0т", "от")])
def test_runs_of_leet_characters(raw, expected):
    assert normalize(raw).text == expected


def test_an_at_sign_beside_latin_letters_is_no_cyrillic_a():
    assert normalize("Пиши @fаst_job_kz").text == "пиши @fаst_job_kz"  # a handle with one Cyrillic а in it
    assert normalize("пр@вда, @ренда").text == "правда, аренда"


@pytest.mark.parametrize("text", ["Halyk Bank ищет кассира", "Yandex Taxi в Астане", "Водитель кат. C, оплата за рейс",
                                  "Витамин C и железо"])
def test_latin_words_and_lone_letters_are_not_disguise(text):
    assert normalize(text).obfuscation.disguised == 0
    assert "bank" in normalize("Halyk Bank ищет кассира").text  # a Latin word stays Latin


def test_a_lone_latin_letter_reads_as_the_cyrillic_preposition():
    assert normalize("Работа B Алматы, пиши B лс").text == "работа в алматы, пиши в лс"
