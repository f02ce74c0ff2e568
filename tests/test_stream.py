"""Streams: repeats are scored once, workers give the same rows in the same order as one process."""
import io
import random

import orjson
import pytest

from classifier.batch import Rejected, Row
from classifier.stream import ResultCache, score_stream
from classifier.writers import Writer, encode_result
from training.corpus import written_examples


@pytest.fixture(scope="module")
def rows():
    rng = random.Random(2)
    texts = rng.sample(written_examples()["text"].tolist(), 300)
    picks = [rng.choice(texts) for _ in range(1500)]  # many repeats, as a campaign posts one ad again and again
    out = []
    for i, t in enumerate(picks, 1):
        out.append(Rejected(i, "malformed JSON") if i % 97 == 0 else Row(i, f"id{i}", t, {"n": i}))
    return out


def run(rows, scorer=None, **kw):
    buffer = io.BytesIO()
    writer = Writer(buffer, "jsonl")
    rejected = []
    summary = score_stream(iter(rows), writer, rejected.append, scorer=scorer, **kw)
    writer.close()
    return [orjson.loads(line) for line in buffer.getvalue().splitlines()], rejected, summary


def test_repeats_are_served_from_the_cache_with_their_own_ids(scorer, rows):
    cache = ResultCache()
    got, rejected, summary = run(rows, scorer, cache=cache, chunk_size=128)
    assert summary.read == len(rows) == summary.scored + summary.rejected and len(rejected) == summary.rejected
    good = [r for r in rows if isinstance(r, Row)]
    assert [g["id"] for g in got] == [r.id for r in good] and [g["n"] for g in got] == [r.line for r in good]
    assert cache.hits > len(good) / 2
    fresh = scorer.records([r.text for r in good], explain="flagged")
    for g, f in zip(got, fresh):
        f.pop("id")
        assert {k: v for k, v in g.items() if k not in ("id", "n")} == f


def test_a_small_cache_still_gives_every_row(scorer, rows):
    cache = ResultCache(size=50)
    got, _, _ = run(rows, scorer, cache=cache, chunk_size=40)
    assert cache.size == 120 and len(cache._items) <= 120
    assert [g["id"] for g in got] == [r.id for r in rows if isinstance(r, Row)]


def test_two_workers_write_what_one_process_writes(scorer, rows, model_dir):
    one, _, _ = run(rows, scorer, chunk_size=100)
    two, rejected, summary = run(rows, scorer, workers=2, chunk_size=100, model_dir=model_dir)
    assert two == one and summary.rejected == len(rejected) == sum(isinstance(r, Rejected) for r in rows)


def test_two_workers_reading_ahead_keep_every_repeat_in_a_small_cache(scorer, rows, model_dir):
    """The parent reads on while workers score; what it holds for repeats must not leave the cache first."""
    one, _, _ = run(rows, scorer, chunk_size=40)
    cache = ResultCache(size=50)
    two, _, _ = run(rows, scorer, workers=2, chunk_size=40, model_dir=model_dir, cache=cache)
    assert two == one and len(cache._items) <= cache.size == 120


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_encoded_results_give_the_bytes_the_records_give(scorer, fmt):
    texts = written_examples()["text"].sample(40, random_state=5).tolist()
    ids = ["a", 7, None, 2 ** 70, "\ud800", 1.5, True] * 6
    rows = [Row(i, id_, t, {"channel": "x"} if i % 5 == 0 else {}) for i, (id_, t) in enumerate(zip(ids, texts))]
    records = scorer.records(texts, explain="flagged")
    for r in records:
        r.pop("id")
    plain, encoded = io.BytesIO(), io.BytesIO()
    for buffer, results in ((plain, [dict(r) for r in records]), (encoded, [encode_result(r) for r in records])):
        writer = Writer(buffer, fmt)
        (writer.write if buffer is plain else writer.write_encoded)(rows, results)
        writer.close()
    assert encoded.getvalue() == plain.getvalue() and plain.getvalue().count(b"\n") >= len(rows)
