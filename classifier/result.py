"""The one result type that the library, the CLI and the HTTP API all return."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .categories import CATEGORIES, POSITIVE, Risk, risk_band

__all__ = ["CATEGORIES", "POSITIVE", "Flag", "Indicator", "Reason", "Result", "Risk", "risk_band"]


class _Model(BaseModel):
    """Validation schemas are built on first use, not at import: a batch run builds results without them."""

    model_config = ConfigDict(defer_build=True)


class Reason(_Model):
    """A phrase that raised (weight > 0) or lowered (weight < 0) the score; `input[start:end] == text` in the
    original input. The weight is the phrase's share of the model's decision (log-odds)."""

    text: str
    start: int
    end: int
    weight: float


class Flag(_Model):
    """A named red-flag indicator and where it was found in the original input."""

    name: str
    text: str
    start: int
    end: int


class Indicator(_Model):
    """Something an ad points to (account, phone, card, wallet, link); `input[start:end]` is where it was written.

    `value` is the text as written (a card masked unless revealed); `normalized` is its canonical form, the one
    to join on: E.164 phone, lower-case handle without @, IBAN without spaces, checksum-form address, host+path.
    """

    kind: str
    value: str
    normalized: str
    start: int
    end: int


class Result(_Model):
    """Score of one text: probability of recruitment bait, risk band, category and why."""

    id: str | int | None = None
    score: float = Field(ge=0.0, le=1.0, description="P(drug_courier) + P(scam_recruitment)")
    risk: Risk
    category: str
    probabilities: dict[str, float]
    reasons: list[Reason] = Field([], description="phrases that raised the score (only when risk is medium or high)")
    lowering: list[Reason] = Field([], description="phrases that lowered the score")
    flags: list[Flag] = []
    indicators: list[Indicator] = []
    model_version: str
