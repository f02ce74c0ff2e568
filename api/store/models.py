"""The review store's tables: queued items, moderators' verdicts and the audit trail (SQLAlchemy 2).

Verdict rows are never updated except to mark them retracted: an item's current verdict is the one its
`current_verdict_id` names, and every earlier verdict stays in `verdicts` and in `audit`.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, DateTime, Double, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

VERDICTS = ("bait", "not_bait", "unsure")
STATUSES = ("pending", *VERDICTS)  # an item's status: no verdict yet, or its current verdict

# an integer key that autoincrements on both SQLite (which needs exactly INTEGER) and Postgres (BIGINT)
Key = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    pass


class Item(Base):
    """One text scored with `POST /score?queue=true`: its score, why, and (only when enabled) the text."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued_by: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(200))  # the `id` the client sent with the text
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str | None] = mapped_column(Text)  # NULL unless ADRISK_STORE_TEXT is on
    text_chars: Mapped[int] = mapped_column(Integer)
    features: Mapped[dict | None] = mapped_column(Json)  # classifier.featurebag: what retraining needs
    vocabulary: Mapped[str] = mapped_column(String(32))  # fingerprint of the vocabulary the features index
    score: Mapped[float] = mapped_column(Double)
    risk: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[str] = mapped_column(String(64))
    probabilities: Mapped[dict] = mapped_column(Json)
    reasons: Mapped[list] = mapped_column(Json)  # spans and weights; their text only when text is stored
    flags: Mapped[list] = mapped_column(Json)
    indicators: Mapped[list] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    current_verdict_id: Mapped[int | None] = mapped_column(Key)

    __table_args__ = (Index("ix_items_queue", "status", "score", "id"),)


class Verdict(Base):
    """A moderator's verdict on an item; rows are only ever added, or marked retracted."""

    __tablename__ = "verdicts"

    id: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(Key, ForeignKey("items.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    moderator: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retracted_by: Mapped[str | None] = mapped_column(String(100))


class AuditEvent(Base):
    """Who did what and when: queued, verdict, retract, export."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Key, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[int | None] = mapped_column(Key, index=True)
    verdict_id: Mapped[int | None] = mapped_column(Key)
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(Json, default=dict)
