"""What the review routes and `train --feedback` do with the store: queue, verdict, retract, page, export.

Every write is one transaction whose first statement writes (an INSERT, or an UPDATE of the item's row), so on
SQLite it takes the write lock before it reads anything and on Postgres it holds the item's row lock: verdicts
on one item are applied one after another, and the last one to commit is the item's current verdict.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy import text as text_clause
from sqlalchemy.orm import sessionmaker

from classifier.result import CATEGORIES, POSITIVE

from .engine import make_engine, migrate
from .models import STATUSES, AuditEvent, Item, Verdict, utcnow

QUEUE_STATUSES = (*STATUSES, "reviewed", "all")
RISKS = ("low", "medium", "high")


class NotFound(LookupError):
    """No such item."""


class NoVerdict(NotFound):
    """The item is there but has no current verdict to retract."""


class BadCursor(ValueError):
    """A cursor this store did not hand out."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def training_label(verdict: str, category: str | None, model_category: str) -> str | None:
    """The category a verdict teaches: the moderator's, else the model's when it agrees with the verdict, else
    scam_recruitment for bait and not_recruitment for not bait; None for `unsure` (never trained on).

    >>> training_label("bait", None, "drug_courier"), training_label("not_bait", None, "drug_courier")
    ('drug_courier', 'not_recruitment')
    """
    if verdict == "unsure":
        return None
    if category:
        return category
    bait = verdict == "bait"
    if (model_category in POSITIVE) == bait and model_category in CATEGORIES:
        return model_category
    return "scam_recruitment" if bait else "not_recruitment"


def _without_text(spans: list[dict], keep: tuple[str, ...]) -> list[dict]:
    return [{k: s[k] for k in keep if k in s} for s in spans]


@dataclass
class TrainingRow:
    """A verdict to learn from: the text when stored, else the feature bag (under `vocabulary`)."""

    item_id: int
    label: str
    verdict: str
    text: str | None
    features: dict | None
    vocabulary: str
    text_sha256: str


class Store:
    """The review store at url; the schema is migrated to the newest revision when it opens."""

    def __init__(self, url: str, store_text: bool = False):
        self.url = url
        self.store_text = store_text
        self.engine = make_engine(url)
        migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    # writes -----------------------------------------------------------------------------------------------

    def queue(self, text: str, result: dict, *, features: dict | None, vocabulary: str, actor: str,
              request_id: str | None = None) -> int:
        """enqueue's item id."""
        return self.enqueue(text, result, features=features, vocabulary=vocabulary, actor=actor,
                            request_id=request_id)[0]

    def enqueue(self, text: str, result: dict, *, features: dict | None, vocabulary: str, actor: str,
                request_id: str | None = None) -> tuple[int, bool]:
        """Keep a scored text for review; returns (its item id, whether the text was queued before). A text
        already in the store (the same sha256, pending or reviewed) is not queued twice: its item gets a "queued
        again" audit event, with this request's id and external id, and its id comes back (and, with store_text,
        its text if it was queued without). Without store_text the text, and the text of its reasons, flags and
        indicators, are not kept: only offsets, weights, names and kinds."""
        keep_text, digest = self.store_text, sha256(text)
        external_id = None if result.get("id") is None else str(result["id"])[:200]
        with self.sessions.begin() as s:
            self._lock_text(s, digest)
            found = s.execute(select(Item.id).where(Item.text_sha256 == digest).order_by(Item.id).limit(1)).scalar()
            if found is not None:
                # an item queued while texts were not kept gets its text now that they are (the text only: its
                # stored spans, from its own scoring, point into it as they are)
                filled = keep_text and s.execute(
                    update(Item).where(Item.id == found, Item.text.is_(None)).values(text=text)).rowcount > 0
                s.add(AuditEvent(actor=actor, action="queued_again", item_id=found, request_id=request_id,
                                 detail={"external_id": external_id, "score": float(result["score"]),
                                         "model_version": str(result["model_version"])[:64],
                                         "text_stored": bool(filled)}))
                return found, True
            return self._insert(s, text, digest, external_id, result, features, vocabulary, actor, request_id), False

    def _lock_text(self, s, digest: str) -> None:
        """Make concurrent queueings of one text take turns, so that only the first inserts: on SQLite a write
        takes the database's write lock, on Postgres a lock on the text's digest."""
        if self.engine.dialect.name == "postgresql":
            s.execute(text_clause("SELECT pg_advisory_xact_lock(:k)"), {"k": int(digest[:15], 16)})
        else:
            s.execute(update(Item).where(Item.text_sha256 == digest).values(updated_at=utcnow()))

    def _insert(self, s, text: str, digest: str, external_id: str | None, result: dict, features, vocabulary: str,
                actor: str, request_id: str | None) -> int:
        keep_text = self.store_text
        item = Item(
            queued_by=actor, external_id=external_id, text_sha256=digest, text=text if keep_text else None,
            text_chars=len(text),
            features=features, vocabulary=vocabulary, score=float(result["score"]), risk=result["risk"],
            category=result["category"], model_version=str(result["model_version"])[:64],
            probabilities=result["probabilities"],
            reasons=result["reasons"] if keep_text else _without_text(result["reasons"], ("start", "end", "weight")),
            flags=result["flags"] if keep_text else _without_text(result["flags"], ("name", "start", "end")),
            indicators=(result.get("indicators") or []) if keep_text else
            _without_text(result.get("indicators") or [], ("kind", "start", "end")),
            status="pending")
        s.add(item)
        s.flush()
        s.add(AuditEvent(actor=actor, action="queued", item_id=item.id, request_id=request_id,
                         detail={"score": item.score, "model_version": item.model_version, "text_stored": keep_text}))
        return item.id

    def _lock(self, s, item_id: int):
        """Take the item's row (and on SQLite the write lock) before reading; NotFound when there is none."""
        now = utcnow()
        if s.execute(update(Item).where(Item.id == item_id).values(updated_at=now)).rowcount == 0:
            raise NotFound(f"no item {item_id}")
        return now, s.execute(select(Item.current_verdict_id).where(Item.id == item_id)).scalar_one()

    def set_verdict(self, item_id: int, verdict: str, category: str | None, note: str | None, actor: str,
                    request_id: str | None = None) -> dict:
        """Record a verdict; it becomes the item's current one, and the one it replaces stays on record."""
        with self.sessions.begin() as s:
            now, previous = self._lock(s, item_id)
            row = Verdict(item_id=item_id, verdict=verdict, category=category, note=note, moderator=actor,
                          created_at=now)
            s.add(row)
            s.flush()
            s.execute(update(Item).where(Item.id == item_id).values(status=verdict, current_verdict_id=row.id))
            s.add(AuditEvent(actor=actor, action="verdict", item_id=item_id, verdict_id=row.id, at=now,
                             request_id=request_id, detail={"verdict": verdict, "category": category,
                                                            "note": note, "replaces": previous}))
        return {"item_id": item_id, "status": verdict, "verdict": _verdict_dict(row)}

    def retract(self, item_id: int, actor: str, request_id: str | None = None) -> dict:
        """Withdraw the item's current verdict (unlearn): the item is pending again, the verdict stays on
        record as retracted, and training no longer uses it."""
        with self.sessions.begin() as s:
            now, current = self._lock(s, item_id)
            if current is None:
                raise NoVerdict(f"item {item_id} has no verdict to retract")
            s.execute(update(Verdict).where(Verdict.id == current).values(retracted_at=now, retracted_by=actor))
            s.execute(update(Item).where(Item.id == item_id).values(status="pending", current_verdict_id=None))
            s.add(AuditEvent(actor=actor, action="retract", item_id=item_id, verdict_id=current, at=now,
                             request_id=request_id, detail={}))
        return {"item_id": item_id, "status": "pending", "retracted_verdict_id": current}

    def audit(self, actor: str, action: str, detail: dict, request_id: str | None = None) -> None:
        with self.sessions.begin() as s:
            s.add(AuditEvent(actor=actor, action=action, request_id=request_id, detail=detail))

    # reads ------------------------------------------------------------------------------------------------

    def page(self, status: str = "pending", risks: list[str] | None = None, limit: int = 50,
             cursor: str | None = None) -> tuple[list[dict], str | None]:
        """Items by score, highest first (then newest), after cursor; the cursor of the next page or None."""
        q = select(Item, Verdict).outerjoin(Verdict, Verdict.id == Item.current_verdict_id)
        if status == "reviewed":
            q = q.where(Item.status != "pending")
        elif status != "all":
            q = q.where(Item.status == status)
        if risks:
            q = q.where(Item.risk.in_(risks))
        if cursor:
            score, last_id = decode_cursor(cursor)
            q = q.where(or_(Item.score < score, and_(Item.score == score, Item.id < last_id)))
        q = q.order_by(Item.score.desc(), Item.id.desc()).limit(limit + 1)
        with self.sessions() as s:
            found = s.execute(q).all()
        items = [_item_dict(i, v) for i, v in found[:limit]]
        more = len(found) > limit
        return items, encode_cursor(found[limit - 1][0]) if more else None

    def item(self, item_id: int) -> dict:
        """One item with every verdict it was given and its audit trail."""
        with self.sessions() as s:
            item = s.get(Item, item_id)
            if item is None:
                raise NotFound(f"no item {item_id}")
            current = s.get(Verdict, item.current_verdict_id) if item.current_verdict_id else None
            history = s.scalars(select(Verdict).where(Verdict.item_id == item_id).order_by(Verdict.id)).all()
            audit = s.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.id)).all()
        return _item_dict(item, current) | {"history": [_verdict_dict(v) for v in history],
                                            "audit": [_audit_dict(a) for a in audit]}

    def counts(self) -> dict:
        """Items per status."""
        with self.sessions() as s:
            found = dict(s.execute(select(Item.status, func.count()).group_by(Item.status)).all())
        return {k: int(found.get(k, 0)) for k in STATUSES}

    def _current_verdicts(self):
        return (select(Item, Verdict).join(Verdict, Verdict.id == Item.current_verdict_id)
                .where(Verdict.verdict != "unsure").order_by(Item.id))

    def training_rows(self) -> Iterator[TrainingRow]:
        """Every current bait / not_bait verdict with what it teaches."""
        with self.sessions() as s:
            for item, v in s.execute(self._current_verdicts().execution_options(yield_per=500)):
                yield TrainingRow(item.id, training_label(v.verdict, v.category, item.category), v.verdict,
                                  item.text, item.features, item.vocabulary, item.text_sha256)

    def export_rows(self) -> tuple[int, Iterator[dict]]:
        """(rows left out for want of stored text, the JSONL rows `adrisk train --data` reads)."""
        with self.sessions() as s:
            textless = s.execute(select(func.count()).select_from(self._current_verdicts().where(
                Item.text.is_(None)).subquery())).scalar_one()

        def rows():
            with self.sessions() as s:
                q = self._current_verdicts().where(Item.text.is_not(None)).execution_options(yield_per=500)
                for item, v in s.execute(q):
                    yield {"text": item.text, "label": training_label(v.verdict, v.category, item.category),
                           "item_id": item.id, "verdict": v.verdict, "category": v.category,
                           "moderator": v.moderator, "at": v.created_at.isoformat(),
                           "text_sha256": item.text_sha256, "model_version": item.model_version,
                           "model_score": item.score}
        return int(textless), rows()


def encode_cursor(item: Item) -> str:
    raw = json.dumps([item.score, item.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        score, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if (not isinstance(item_id, int) or not 0 < item_id < 2**63 or isinstance(score, bool)
                or not isinstance(score, (int, float)) or not math.isfinite(score)):
            raise ValueError
        return float(score), item_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor("cursor: not one this server handed out (pass next_cursor back unchanged)") from None


def _iso(value):
    return value.isoformat() if value is not None else None


def _verdict_dict(v: Verdict | None) -> dict | None:
    if v is None:
        return None
    return {"verdict_id": v.id, "verdict": v.verdict, "category": v.category, "note": v.note,
            "moderator": v.moderator, "at": _iso(v.created_at), "retracted_at": _iso(v.retracted_at),
            "retracted_by": v.retracted_by}


def _audit_dict(a: AuditEvent) -> dict:
    return {"at": _iso(a.at), "actor": a.actor, "action": a.action, "item_id": a.item_id,
            "verdict_id": a.verdict_id, "request_id": a.request_id, "detail": a.detail}


def _item_dict(item: Item, verdict: Verdict | None) -> dict:
    return {"item_id": item.id, "created_at": _iso(item.created_at), "queued_by": item.queued_by,
            "external_id": item.external_id, "text": item.text, "text_sha256": item.text_sha256,
            "text_chars": item.text_chars, "score": item.score, "risk": item.risk, "category": item.category,
            "model_version": item.model_version, "probabilities": item.probabilities, "reasons": item.reasons,
            "flags": item.flags, "indicators": item.indicators, "status": item.status,
            "verdict": _verdict_dict(verdict)}
