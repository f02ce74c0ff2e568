"""Texts at the API's length limit cost time in proportion to their length. A guard, not a speed goal: one
regular expression rescanned a word from each of its letters, and a 20,000-letter word took 5 s (a batch of
25 of them 95 s, a stalled server); the bounds below are a hundred times what scoring them takes now."""
import time

import pytest

from api.settings import ApiSettings

LIMIT = ApiSettings().max_text_chars
SHAPES = ["ф", "a", "0", "@", "фa", "ф ", "з0", "ф@", "ф_", "ф\u0301", "ф\u200b", "κ", "𝐤", "t.me/", "a@b.", "vk.com/"]


def _long(unit: str) -> str:
    return (unit * (LIMIT // len(unit) + 1))[:LIMIT]


@pytest.mark.parametrize("explain", [True, False])
def test_a_batch_of_texts_at_the_length_limit_scores_in_seconds(scorer, explain):
    texts = [_long(u) for u in SHAPES]
    started = time.perf_counter()
    records = scorer.records(texts, explain=explain)
    assert len(records) == len(SHAPES)
    assert time.perf_counter() - started < 10, "a quadratic step is back in scoring long words"
