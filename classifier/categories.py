"""What a score means: the categories, which of them are bait, and the risk bands. Plain Python, so that a
batch run, which builds plain records, never imports pydantic (`result` holds the types)."""
from __future__ import annotations

from typing import Literal

CATEGORIES: tuple[str, ...] = ("drug_courier", "scam_recruitment", "legit_job", "not_recruitment")
POSITIVE: frozenset[str] = frozenset({"drug_courier", "scam_recruitment"})
Risk = Literal["low", "medium", "high"]


def risk_band(score: float, medium: float, high: float) -> Risk:
    """'high' at or above `high`, 'medium' at or above `medium`, else 'low'."""
    return "high" if score >= high else "medium" if score >= medium else "low"
