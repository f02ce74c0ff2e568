"""The review routes: the queue of scored items, moderators' verdicts (and their retraction), the export.

Writes need a key when keys are configured (see api.auth): the admin's or a moderator's, whose name goes into
the audit trail; with no key configured every write is `anonymous`.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator, Field, StrictStr, model_validator
from sqlalchemy.exc import SQLAlchemyError

from classifier.featurebag import bag, vocabulary_fingerprint
from classifier.result import CATEGORIES, POSITIVE, Result

from .auth import actor_of
from .inputs import JsonBody, require_json, without_surrogates
from .responses import NO_VERDICT, NOT_FOUND, NOT_JSON, STORE_DOWN, TOO_LARGE
from .store import BadCursor, NotFound, NoVerdict, Store
from .store.store import QUEUE_STATUSES, RISKS

log = logging.getLogger("adrisk.api")
router = APIRouter(tags=["review"])
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The item id that `POST /score?queue=true` gave.")]


class QueuedResult(Result):
    """A result, and the review item it was queued as (`POST /score?queue=true`)."""

    item_id: int | None = Field(None, description="The review item, when the text was queued; else null.")
    queued_before: bool | None = Field(None, description="With queue=true: whether the text was in the store "
                                                         "already (then item_id is its first item); else null.")


class VerdictIn(JsonBody):
    """A moderator's verdict on one item."""

    verdict: Literal["bait", "not_bait", "unsure"]
    category: Literal[CATEGORIES] | None = Field(None, description="Optional: what kind of bait or not-bait.")
    note: Annotated[StrictStr, Field(max_length=2000), BeforeValidator(without_surrogates)] | None = None

    @model_validator(mode="after")
    def _category_agrees(self):
        if self.category and self.verdict != "unsure" and (self.category in POSITIVE) != (self.verdict == "bait"):
            kinds = sorted(POSITIVE) if self.verdict == "bait" else sorted(set(CATEGORIES) - POSITIVE)
            raise ValueError(f"category {self.category} contradicts verdict {self.verdict}: "
                             f"a {self.verdict} verdict takes {' or '.join(kinds)}")
        return self


class LazyStore:
    """The store, opened (and migrated) on first use, so a service that never queues never touches a database."""

    def __init__(self, url: str, store_text: bool):
        self.url, self.store_text = url, store_text
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = Store(self.url, self.store_text)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def store_of(request: Request) -> Store:
    try:
        return request.app.state.store.get()
    except (SQLAlchemyError, OSError):  # OSError: a data folder that cannot be made (a file in its path, no rights)
        log.exception("cannot open the review store")
        raise HTTPException(503, "the review store cannot be opened; see the server log") from None


def _request_id(request: Request) -> str | None:
    return request.scope.get("state", {}).get("request_id")


def _stored(call):
    """Run a store call; a database that is down or locked too long is a 503, never a traceback."""
    try:
        return call()
    except NoVerdict as e:  # the item is there: its state, not its id, is the problem
        raise HTTPException(409, str(e)) from None
    except NotFound as e:
        raise HTTPException(404, str(e)) from None
    except BadCursor as e:
        raise HTTPException(422, str(e)) from None
    except SQLAlchemyError:
        log.exception("review store error")
        raise HTTPException(503, "the review store is busy or unavailable; try again") from None


def queue_result(request: Request, scorer, text: str, result: dict) -> tuple[int, bool]:
    """Keep a scored text (its result as `Result.model_dump()`) in the review queue (blocking: call it from a
    thread); returns (the item id, whether the text was queued before)."""
    store = store_of(request)
    compiled = scorer.compiled
    return _stored(lambda: store.enqueue(
        text, result, features=bag(compiled, text), vocabulary=vocabulary_fingerprint(compiled),
        actor=actor_of(request).name, request_id=_request_id(request)))


def _risks(risk: str | None) -> list[str] | None:
    if not risk:
        return None
    wanted = [r.strip() for r in risk.split(",") if r.strip()]
    bad = [r for r in wanted if r not in RISKS]
    if bad:
        raise HTTPException(422, f"risk {bad[0]!r}: use low, medium or high (comma-separated for several)")
    return wanted


def queue_page(request: Request, status: str, risk: str | None, limit: int, cursor: str | None):
    store = store_of(request)
    return _stored(lambda: store.page(status, _risks(risk), limit, cursor))


def record_verdict(request: Request, item_id: int, body: VerdictIn) -> dict:
    store = store_of(request)
    return _stored(lambda: store.set_verdict(item_id, body.verdict, body.category, body.note,
                                             actor_of(request).name, _request_id(request)))


def retract_verdict(request: Request, item_id: int) -> dict:
    store = store_of(request)
    return _stored(lambda: store.retract(item_id, actor_of(request).name, _request_id(request)))


def get_item(request: Request, item_id: int) -> dict:
    store = store_of(request)
    return _stored(lambda: store.item(item_id))


StatusQuery = Query("pending", description="pending, bait, not_bait, unsure, reviewed (any verdict) or all.")


@router.get("/queue", responses=STORE_DOWN)
def queue(request: Request, status: Literal[QUEUE_STATUSES] = StatusQuery,
          risk: str | None = Query(None, description="low, medium, high; comma-separated for several."),
          limit: int = Query(50, ge=1, le=500), cursor: str | None = Query(None, max_length=200)) -> dict:
    """Queued items, highest score first; pass `next_cursor` back as `cursor` for the next page."""
    items, next_cursor = queue_page(request, status, risk, limit, cursor)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/items/{item_id}", responses=NOT_FOUND | STORE_DOWN)
def item(request: Request, item_id: ItemId) -> dict:
    """One item with every verdict it was given and its audit trail."""
    return get_item(request, item_id)


@router.post("/items/{item_id}/verdict", status_code=201, dependencies=[Depends(require_json)],
             responses=NOT_FOUND | NOT_JSON | TOO_LARGE | STORE_DOWN)
def verdict(request: Request, item_id: ItemId, body: VerdictIn) -> dict:
    """Record a verdict; the latest one is the item's verdict, earlier ones stay in its history."""
    return record_verdict(request, item_id, body)


@router.delete("/items/{item_id}/verdict", responses=NOT_FOUND | NO_VERDICT | STORE_DOWN)
def unlearn(request: Request, item_id: ItemId) -> dict:
    """Retract the item's verdict: it goes back to pending and retraining no longer learns from it."""
    return retract_verdict(request, item_id)


@router.get("/feedback/export", response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}},
                             "description": "One JSON object a line: text, label and the verdict's details."}}
            | STORE_DOWN)
def export(request: Request) -> StreamingResponse:
    """Current bait / not_bait verdicts as JSONL that `adrisk train --data` reads. Items whose text was not
    stored cannot be exported as text: their number is in the X-Adrisk-Without-Text header
    (`adrisk train --feedback` learns from them)."""
    store = store_of(request)
    actor = actor_of(request).name
    without_text, rows = _stored(store.export_rows)
    _stored(lambda: store.audit(actor, "export", {"without_text": without_text}, _request_id(request)))

    def lines():
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers={"X-Adrisk-Without-Text": str(without_text),
                                      "Content-Disposition": 'attachment; filename="feedback.jsonl"'})
