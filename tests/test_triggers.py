"""The compiled pass over a batch says which indicator families each text needs exactly as `_wanted` does for
one text, so a batch finds every indicator that one text at a time finds."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.indicators import _triggers, _wanted, find_indicators, find_indicators_in
from disguises import ALL_KINDS, disguise
from indicator_eval import rows
from training.corpus import written_examples

# every trigger, near misses of each, their separators, and characters the pass must read as `re` does: a
# Kelvin sign (lower case k), a dotted capital I (two characters in lower case), digits of other scripts (Vai's
# and Brahmi's lie above the lower-case table), a letter with a lower case up there (Deseret), emoji
PIECES = ["me/", "ME /", "me  /", "tg:", "TG :", "whatsapp", "WhatsApp", "whatsap", "vk.", "VK", "@", "dot", "DoT",
          "do t", "[.]", "(.)", "[. ]", " . ", "chk", "CHK", "://", ":/", "www", "WWW", "ww", ".ru", ".Ru", ".r",
          ".рф", ".РФ", ".р", "ч", "Ч", "4", "к", "K", "k", "а", "a", "A", "kz", "KZ", "k z", "kz  1", "kz\t\t12",
          " ", "  ", ".", "-", "_", "*", "·", "•", "|", "~", "+", "/", "=", "\t", "\n", "0", "1", "7", "123", "4567",
          "8 701 234 56 78", "x1_+/-" * 4, "a" * 19, "б", "🔥", "💰", "\u212a", "\u0130", "\ua621", "\U00011067",
          "\U00010400", "\U00010428", "\u00a0", "\u200b", "\uff21", "漢字", "\x00"]
texts = st.lists(st.sampled_from(PIECES), max_size=16).map("".join)


def _same(batch: list[str]) -> None:
    got = _triggers().wanted(batch, _wanted)
    for text, want in zip(batch, got):
        assert want == _wanted(text), repr(text)


def test_the_batch_pass_wants_what_wanted_wants_on_the_corpus_and_the_indicator_test_set():
    batch = written_examples()["text"].tolist() + [r["text"] for r in rows()]
    line = "Пиши @fast_job, звони +7 701 234 56 78, сайт rabota точка kz"
    batch += [disguise(kind, line, "1") for kind in ALL_KINDS]
    _same(batch)
    assert sum(bool(w) for w in _triggers().wanted(batch, _wanted)) > 100  # the triggers do fire


@settings(max_examples=400, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_the_batch_pass_wants_what_wanted_wants_on_generated_text(batch):
    _same(batch)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=80), min_size=1, max_size=4))
def test_the_batch_pass_wants_what_wanted_wants_on_any_text(batch):
    _same(batch)


def test_a_batch_finds_what_one_text_at_a_time_finds():
    batch = [r["text"] for r in rows()]
    assert find_indicators_in(batch, reveal=True) == [find_indicators(t, reveal=True) for t in batch]
