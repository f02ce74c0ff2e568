"""The "what to block first" table: one row per distinct indicator over many scored texts.

>>> table = IndicatorTable()
>>> table.add(1, 0.97, True, "drug_courier", [{"kind": "telegram", "value": "@fast_job", "normalized": "fast_job"}])
>>> table.add(2, 0.10, False, "legit_job", [{"kind": "telegram", "value": "@Fast_Job", "normalized": "fast_job"}])
>>> [(r["normalized"], r["texts"], r["risky"], r["first_id"], r["last_id"]) for r in table.rows()]
[('fast_job', 2, 1, 1, 2)]
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .indicators import mask_card

COLUMNS = ("kind", "normalized", "value", "texts", "risky", "max_score", "first_id", "last_id", "categories",
           "first_seen", "last_seen")


@dataclass
class _Entry:
    value: str
    first_id: object
    last_id: object = None
    texts: int = 0
    risky: int = 0
    max_score: float = 0.0
    categories: dict = field(default_factory=dict)
    first_seen: str | None = None
    last_seen: str | None = None


class IndicatorTable:
    """Counts per (kind, normalized) indicator: texts carrying it, how many of those score >= medium, the highest
    score, the first and last ids in input order, categories, and first/last seen when times are given."""

    def __init__(self):
        self._entries: dict[tuple[str, str], _Entry] = {}

    def add(self, id_, score: float, risky: bool, category: str, indicators: list[dict], seen=None) -> None:
        """Count one text; an indicator written twice in it counts once."""
        seen = None if seen in (None, "") else str(seen)
        for key in dict.fromkeys((i["kind"], i["normalized"]) for i in indicators):
            e = self._entries.get(key)
            if e is None:
                value = next(i["value"] for i in indicators if (i["kind"], i["normalized"]) == key)
                e = self._entries[key] = _Entry(value, id_)
            e.last_id = id_
            e.texts += 1
            e.risky += bool(risky)
            e.max_score = max(e.max_score, float(score))
            e.categories[category] = e.categories.get(category, 0) + 1
            if seen is not None:
                e.first_seen = seen if e.first_seen is None else min(e.first_seen, seen)
                e.last_seen = seen if e.last_seen is None else max(e.last_seen, seen)

    def __len__(self) -> int:
        return len(self._entries)

    def rows(self, reveal: bool = False) -> list[dict]:
        """Rows riskiest first: most texts scoring >= medium, then highest score, then most texts. Card numbers
        are masked unless reveal (the table is built from full numbers, so two cards never merge)."""
        out = []
        for (kind, normalized), e in self._entries.items():
            value = e.value
            if kind == "card" and not reveal:
                normalized, value = mask_card(normalized), mask_card(value)
            out.append({"kind": kind, "normalized": normalized, "value": value, "texts": e.texts, "risky": e.risky,
                        "max_score": round(e.max_score, 6), "first_id": e.first_id, "last_id": e.last_id,
                        "categories": dict(sorted(e.categories.items(), key=lambda kv: -kv[1])),
                        "first_seen": e.first_seen, "last_seen": e.last_seen})
        out.sort(key=lambda r: (-r["risky"], -r["max_score"], -r["texts"], r["kind"], r["normalized"]))
        return out
