"""Generated variants of the project's own ads, and purity/completeness of campaigns found over them."""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

from disguises import ALL_KINDS, disguise

ADS = Path(__file__).resolve().parent / "data" / "campaign_ads.jsonl"


def base_ads() -> list[dict]:
    return [json.loads(line) for line in ADS.read_text(encoding="utf-8").splitlines() if line.strip()]


def variants(seeds: int = 2) -> list[tuple[str, str]]:
    """(true campaign, text): each ad as written and disguised by every kind, `seeds` times each."""
    out = []
    for ad in base_ads():
        out.append((ad["id"], ad["text"]))
        out += [(ad["id"], disguise(kind, ad["text"], f"{ad['id']}:{s}")) for kind in ALL_KINDS for s in range(seeds)]
    return out


_OPENERS = ["ВНИМАНИЕ! ", "Актуально на сегодня. ", "Repost: ", "‼️ Свежая вакансия ‼️ "]
_CLOSERS = [" Места ограничены!", " Пишите, не стесняйтесь.", " #работа #алматы", " Жду ваших сообщений 👇"]


def edited(text: str, seed: str) -> str:
    """The same ad as a campaign reposts it: other digits, another handle, an opening or closing line added."""
    r = random.Random(seed)
    out = re.sub(r"\d", lambda m: str(r.randint(0, 9)), text) if r.random() < 0.5 else text
    out = re.sub(r"@(\w+)", lambda m: "@" + m.group(1)[: max(3, len(m.group(1)) - 3)] + str(r.randint(10, 99)), out)
    if r.random() < 0.5:
        out = r.choice(_OPENERS) + out
    if r.random() < 0.5:
        out += r.choice(_CLOSERS)
    return out


def edited_variants(seeds: int = 3) -> list[tuple[str, str]]:
    """(true campaign, text): each ad edited as reposts are, then disguised by every kind."""
    out = []
    for ad in base_ads():
        out.append((ad["id"], ad["text"]))
        for s in range(seeds):
            text = edited(ad["text"], f"{ad['id']}:edit:{s}")
            out.append((ad["id"], text))
            out += [(ad["id"], disguise(kind, text, f"{ad['id']}:{s}")) for kind in ALL_KINDS]
    return out


def purity_completeness(truth: list[str], groups: list[list[int]]) -> tuple[float, float]:
    """Purity: share of texts in the majority true campaign of their found group. Completeness: share of texts
    in the found group holding most of their true campaign."""
    n = len(truth)
    purity = sum(Counter(truth[i] for i in g).most_common(1)[0][1] for g in groups) / n
    where = {i: k for k, g in enumerate(groups) for i in g}
    by_truth: dict[str, Counter] = {}
    for i, t in enumerate(truth):
        by_truth.setdefault(t, Counter())[where[i]] += 1
    completeness = sum(c.most_common(1)[0][1] for c in by_truth.values()) / n
    return purity, completeness


def evaluate(threshold: float, rows: list[tuple[str, str]]) -> tuple[float, float, list[list[int]], list[str]]:
    from classifier.campaigns import CampaignFinder

    finder = CampaignFinder(threshold)
    for i, (_, text) in enumerate(rows):
        finder.add(i, text)
    truth = [t for t, _ in rows]
    groups = finder.groups()
    p, c = purity_completeness(truth, groups)
    return p, c, groups, truth
