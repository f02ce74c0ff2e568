"""Behaviour checks that need no real data (CheckList style), on sets written for them and never trained on.

- tests/data/minimal_pairs.jsonl: pairs that differ in one controlled change. Swapping the city, the sum,
  the emoji, the names, the format or the language barely moves the score (|change| <= 0.1); adding a DM-only
  contact and crypto pay raises it; adding a named employer, an address and a contract lowers it; adding
  daily pay to a genuine gig never makes it high.
- tests/data/genuine_gigs.jsonl: genuine courier, driver, platform and daily-pay ads (ru, kk, en): what a job
  board must not flag.
- tests/data/coded_bait.jsonl: coded drug-courier bait that copies such ads without the explicit words.

`python tests/test_checklist.py` prints the tables.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parent / "data"
SAME_WITHIN = 0.1


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def pair_holds(expect: str, base: float, variant: float, high: float) -> bool:
    """Whether a pair behaves as expected; a score already at the end it should move to counts as held."""
    return {"same": abs(variant - base) <= SAME_WITHIN, "up": variant > base or variant >= 0.99,
            "down": variant < base or variant <= 0.01, "not_high": variant < high}[expect]


def pair_report(scorer) -> dict[str, tuple[int, int]]:
    """(held, total) per kind of pair, and 'all'."""
    pairs = load("minimal_pairs.jsonl")
    base = scorer.scores([p["base"] for p in pairs])
    variant = scorer.scores([p["variant"] for p in pairs])
    held = defaultdict(lambda: [0, 0])
    for p, b, v in zip(pairs, base, variant):
        ok = pair_holds(p["expect"], b, v, scorer.high)
        for key in (f"{p['kind']} ({p['expect']})", "all"):
            held[key][0] += ok
            held[key][1] += 1
    return {k: tuple(v) for k, v in held.items()}


@pytest.fixture(scope="module")
def pairs(scorer):
    return pair_report(scorer)


def test_the_pair_set_is_large_and_well_formed():
    pairs = load("minimal_pairs.jsonl")
    assert len(pairs) >= 200
    assert {p["expect"] for p in pairs} == {"same", "up", "down", "not_high"}
    assert all(p["base"] != p["variant"] for p in pairs)


def test_most_minimal_pairs_hold(pairs):
    held, total = pairs["all"]
    assert held / total >= 0.95, pairs


@pytest.mark.parametrize("kind", ["city (same)", "sum (same)", "emoji (same)", "names (same)", "format (same)",
                                  "language (same)", "dm_crypto (up)", "concrete (down)", "daily_pay (not_high)"])
def test_each_kind_of_pair_mostly_holds(pairs, kind):
    held, total = pairs[kind]
    assert held / total >= (0.85 if kind == "language (same)" else 0.95), (kind, held, total)


def test_daily_pay_alone_never_makes_a_genuine_gig_high(pairs):
    held, total = pairs["daily_pay (not_high)"]
    assert held == total


def test_genuine_gigs_are_not_flagged(scorer):
    ads = load("genuine_gigs.jsonl")
    assert len(ads) >= 300 and {a["label"] for a in ads} == {"legit_job"}
    scores = scorer.scores([a["text"] for a in ads])
    assert np.mean(scores >= 0.5) <= 0.02
    assert not (scores >= scorer.high).any(), [a["text"] for a, s in zip(ads, scores) if s >= scorer.high]


def test_coded_courier_bait_is_caught(scorer):
    ads = load("coded_bait.jsonl")
    assert len(ads) >= 150 and {a["label"] for a in ads} == {"drug_courier"}
    assert np.mean(scorer.scores([a["text"] for a in ads]) >= 0.5) >= 0.97


def test_the_check_sets_were_never_trained_on():
    """No check text is in the corpus or a near-copy of a corpus text (character 4-gram cosine >= 0.8)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from training.corpus import build_corpus

    corpus = build_corpus()["text"].tolist()
    checks = [t for name in ("minimal_pairs.jsonl", "genuine_gigs.jsonl", "coded_bait.jsonl")
              for row in load(name) for t in (row.get("text"), row.get("base"), row.get("variant")) if t]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), dtype=np.float32).fit(corpus + checks)
    nearest = (vec.transform(checks) @ vec.transform(corpus).T).max(axis=1).toarray().ravel()
    assert nearest.max() < 0.8, checks[int(nearest.argmax())]


def main() -> None:
    from classifier.scorer import Scorer

    scorer = Scorer.load()
    print("minimal pairs that hold:")
    for kind, (held, total) in sorted(pair_report(scorer).items()):
        print(f"  {kind:<22} {held:4d} / {total:<4d} {held / total:6.1%}")
    ads = load("genuine_gigs.jsonl")
    scores = scorer.scores([a["text"] for a in ads])
    print(f"genuine gigs: {len(ads)}, false alarms at 0.5 {np.mean(scores >= 0.5):.1%}, "
          f"medium or high {np.mean(scores >= scorer.medium):.1%}, high {int((scores >= scorer.high).sum())}")
    for lang in sorted({a["lang"] for a in ads}):
        m = np.array([a["lang"] == lang for a in ads])
        print(f"  {lang:<6} {int(m.sum()):4d}  false alarms at 0.5 {np.mean(scores[m] >= 0.5):.1%}")
    bait = load("coded_bait.jsonl")
    scores = scorer.scores([a["text"] for a in bait])
    print(f"coded courier bait: {len(bait)}, caught at 0.5 {np.mean(scores >= 0.5):.1%}, "
          f"high {np.mean(scores >= scorer.high):.1%}")


if __name__ == "__main__":
    main()
