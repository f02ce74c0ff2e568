"""The moderators' page at `/`: check a text, work through the review queue by keyboard, read the model card.

Server-rendered (Jinja2) fragments swapped in by htmx; every asset is served from `static/`, nothing from
elsewhere. The fragments under `/ui/` take the same key as the API (the page sends it from its key field).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..inputs import error_message
from ..review import (ItemId, VerdictIn, _stored, get_item, queue_page, queue_result, record_verdict, retract_verdict,
                      store_of)
from .render import segments

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["segments"] = segments


async def same_origin(request: Request) -> None:
    """A form post or delete from another site is refused (403). The page's forms are the kind of request a
    browser sends cross-site without asking, so without keys any page a moderator opened could record verdicts
    and poison retraining. Browsers say where a request comes from (Origin, Sec-Fetch-Site); a client that says
    nothing (curl, a script) is not a browser on another site."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin, site = request.headers.get("origin"), request.headers.get("sec-fetch-site")
    if site is not None:  # a browser's own word, which a page cannot forge, and right behind any proxy
        allowed = site in ("same-origin", "none")  # none: the user's own action, such as a bookmark
    elif origin:  # an older browser: the origin against the address asked for (behind a proxy, the public one)
        forwarded = request.headers.get("x-forwarded-host", "").split(",")[0].strip()
        ours = {h.lower() for h in (request.headers.get("host", ""), forwarded) if h}
        allowed = urlsplit(origin).netloc.lower() in ours
    else:
        allowed = True
    if not allowed:
        raise HTTPException(403, f"a form post from {origin or 'another site'} is refused: the page posts from "
                                 "its own address")


router = APIRouter(include_in_schema=False, dependencies=[Depends(same_origin)])
PAGE_SIZE = 20
CHANGED = {"HX-Trigger": "verdict-changed"}  # the page then fetches the counts afresh


def mount_static(app) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")


def _render(request: Request, name: str, status_code: int = 200, headers: dict | None = None, **context):
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=headers)


@router.get("/", response_class=HTMLResponse)
def page(request: Request):
    settings = request.app.state.settings
    return _render(request, "index.html", keys_required=bool(settings.api_key or settings.moderators),
                   max_chars=settings.max_text_chars)


async def _form(request: Request) -> dict[str, str]:
    """A form post's fields. A browser percent-encodes them; a script may send raw UTF-8, which Starlette's form
    parser reads as Latin-1 (Нужен -> Ð\x9dÑ\x83...), so a urlencoded body is decoded as UTF-8 here."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}  # a file part is no field
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))


@router.post("/ui/score", response_class=HTMLResponse)
async def ui_score(request: Request):
    form = await _form(request)
    text, queue = str(form.get("text", "")), form.get("queue") in ("on", "true", "1")
    settings, scorer = request.app.state.settings, request.app.state.scorer
    if len(text) > settings.max_text_chars:
        raise HTTPException(413, f"text is {len(text)} characters; the limit is {settings.max_text_chars}")
    source_id = str(form.get("id", "")).strip() or None  # what finds the post again when texts are not stored
    started = time.perf_counter()
    result = scorer.score([text], ids=[source_id])[0].model_dump()
    request.app.state.metrics.observe_scores([result["risk"]], time.perf_counter() - started)
    item_id, before = await run_in_threadpool(queue_result, request, scorer, text, result) if queue else (None, None)
    return _render(request, "_result.html", text=text, r=result, item_id=item_id, queued_before=before,
                   thresholds={"medium": scorer.medium, "high": scorer.high})


@router.get("/ui/queue", response_class=HTMLResponse)
def ui_queue(request: Request, status: str = "pending", risk: str | None = None, cursor: str | None = None):
    if status not in ("pending", "bait", "not_bait", "unsure", "reviewed", "all"):
        raise HTTPException(422, f"status {status!r}: use pending, bait, not_bait, unsure, reviewed or all")
    items, next_cursor = queue_page(request, status, risk, PAGE_SIZE, cursor)
    counts = _stored(store_of(request).counts) if not cursor else None
    return _render(request, "_queue.html", items=items, next_cursor=next_cursor, counts=counts, status=status,
                   risk=risk or "", more=bool(cursor))


@router.post("/ui/items/{item_id}/verdict", response_class=HTMLResponse)
async def ui_verdict(request: Request, item_id: ItemId):
    fields = {k: v for k, v in (await _form(request)).items() if v != ""}
    try:
        body = VerdictIn(**fields)
    except ValidationError as e:  # each message with the field it is about
        raise HTTPException(422, "; ".join(_named(err) for err in e.errors())) from None
    await run_in_threadpool(record_verdict, request, item_id, body)
    item = await run_in_threadpool(get_item, request, item_id)
    return _render(request, "_item.html", item=item, headers=CHANGED)


def _named(error: dict) -> str:
    message, loc = error_message(error), [str(x) for x in error.get("loc", ())]
    return message if error.get("type") == "extra_forbidden" or not loc else f"{loc[0]}: {message}"


@router.delete("/ui/items/{item_id}/verdict", response_class=HTMLResponse)
def ui_retract(request: Request, item_id: ItemId):
    retract_verdict(request, item_id)
    return _render(request, "_item.html", item=get_item(request, item_id), headers=CHANGED)


@router.get("/ui/counts", response_class=HTMLResponse)
def ui_counts(request: Request):
    return _render(request, "_count_spans.html", counts=_stored(store_of(request).counts))


@router.get("/ui/model", response_class=HTMLResponse)
def ui_model(request: Request):
    scorer = request.app.state.scorer
    card = scorer.card
    return _render(request, "_card.html", card=card, version=scorer.version,
                   thresholds={"medium": scorer.medium, "high": scorer.high},
                   card_json=json.dumps(card, ensure_ascii=False, indent=2))
