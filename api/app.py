"""The HTTP API: POST /score, POST /score/batch, POST /indicators, GET /health, GET /model, GET /metrics,
/docs (Swagger UI served from the package's own files, so it works offline); the review routes (api.review),
model reload (api.reload) and the moderators' page at / (api.web).

>>> from fastapi.testclient import TestClient
>>> with TestClient(create_app()) as client:
...     client.post("/score", json={"text": "Нужен закладчик, 10к в день, пиши в лс"}).json()["risk"]
'high'
"""
from __future__ import annotations

import gc
import logging
import time
import warnings
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

import orjson
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, StrictBool
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from classifier.artifact import ModelError, caveats
from classifier.indicators import find_indicators
from classifier.result import Indicator, Result
from classifier.scorer import Scorer

from . import reload as reloading
from . import review, web
from .auth import check_api_key, identify
from .inputs import CleanStr, JsonBody, error_message, known_query, require_json
from .metrics import Metrics
from .middleware import BodyLimitAndRequestId
from .responses import NOT_JSON, STORE_DOWN, TOO_LARGE
from .settings import ApiSettings

log = logging.getLogger("adrisk.api")
SWAGGER_UI = Path(__file__).resolve().parent / "static" / "swagger-ui"


Id = Annotated[int, Field(strict=True, ge=-(2 ** 63), le=2 ** 64 - 1)]  # what JSON tools keep exact


class ScoreRequest(JsonBody):
    text: CleanStr = Field(description="The ad or message to score.")
    id: CleanStr | Id | None = Field(None, description="Your id, returned with the result: text or a 64-bit integer.")


class BatchRequest(JsonBody):
    items: list[ScoreRequest]
    reasons: Literal["all", "flagged", "none"] = Field(
        "flagged", description="Which items get reasons, lowering phrases and flags: all, flagged (medium or high, "
        "the default, as in adrisk score) or none.")


class BatchResponse(BaseModel):
    results: list[Result]


class IndicatorsRequest(JsonBody):
    text: CleanStr = Field(description="The text to search.")
    reveal: StrictBool = Field(False, description="Card numbers in full instead of masked.")


class IndicatorsResponse(BaseModel):
    indicators: list[Indicator]


async def get_scorer(request: Request) -> Scorer:
    return request.app.state.scorer


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


FASTAPI_UNPARSED = "There was an error parsing the body"  # FastAPI's 400 when reading the body failed
ScorerDep = Annotated[Scorer, Depends(get_scorer)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


def _check_lengths(items: list[ScoreRequest], settings: ApiSettings) -> None:
    for i, item in enumerate(items):
        if len(item.text) > settings.max_text_chars:
            where = f"item {i}: " if len(items) > 1 else ""
            raise HTTPException(413, f"{where}text is {len(item.text)} characters; the limit is {settings.max_text_chars}")
    total = sum(len(item.text) for item in items)
    if total > settings.max_batch_chars:
        raise HTTPException(413, f"the batch holds {total} characters; the limit is {settings.max_batch_chars} "
                                 "(split it into smaller batches)")


def create_app(settings: ApiSettings | None = None, scorer: Scorer | None = None) -> FastAPI:
    """Build the app; the model is loaded once, in the lifespan handler."""
    settings = settings or ApiSettings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if scorer is not None:
            app.state.scorer = scorer
        else:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                app.state.scorer = Scorer.load(settings.model, settings.medium, settings.high)
            app.state.warnings = [str(w.message) for w in caught]
            for w in app.state.warnings:
                log.warning(w)
        app.state.scorer.score(["warm-up: курьер 5000 в день"])  # builds the explanation tables before traffic
        # the model's vocabularies are millions of objects that live as long as the process: keep them out of
        # the collector's full passes, each of which otherwise stalls every request for about 120 ms
        gc.collect()
        gc.freeze()
        sighup = app.state.reloader.install_sighup()
        yield
        if sighup:
            app.state.reloader.remove_sighup()
        app.state.store.close()

    app = FastAPI(title="adrisk", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Scores job ads and recruitment messages for drug-courier and scam recruitment bait.",
                  dependencies=[Depends(check_api_key), Depends(known_query)])
    app.mount("/docs/assets", StaticFiles(directory=SWAGGER_UI), name="docs-assets")

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title="adrisk - docs",
                                   swagger_js_url="/docs/assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/assets/swagger-ui.css",
                                   swagger_favicon_url="/docs/assets/favicon-32x32.png",
                                   swagger_ui_parameters={"validatorUrl": None})  # no badge from elsewhere

    app.add_route("/docs", docs, include_in_schema=False)  # a plain route, open like /openapi.json

    def openapi() -> dict:
        """FastAPI's schema, plus the X-API-Key scheme on every route but /health, so the docs' "Authorize" sends
        the key (check_api_key reads the header itself, which the schema cannot see)."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {"ApiKey": {
                "type": "apiKey", "in": "header", "name": "X-API-Key",
                "description": "Needed when ADRISK_API_KEY or ADRISK_MODERATOR_KEYS is set"}}
            for path, operations in schema["paths"].items():
                for operation in operations.values():
                    if path != "/health":
                        operation["security"] = [{"ApiKey": []}]
                        operation.setdefault("responses", {}).setdefault(
                            "401", {"description": "Keys are configured and X-API-Key is missing or wrong"})
            # a route's own check (a bad cursor, a risk filter, a model folder) answers 422 with one sentence
            errors = schema["components"]["schemas"].get("HTTPValidationError")
            if errors:
                listed = errors["properties"]["detail"]
                errors["properties"]["detail"] = {"title": "Detail", "anyOf": [
                    {k: v for k, v in listed.items() if k != "title"}, {"type": "string"}]}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    app.state.settings = settings
    app.state.metrics = metrics  # for the page's scoring, which counts as the API's does
    app.state.warnings = []
    app.state.store = review.LazyStore(settings.store_url, settings.store_text)
    app.state.reloader = reloading.Reloader(app)

    def score_one(request: Request, req: ScoreRequest) -> dict:
        """POST /score's answer without a review queue, for a request within the limits: the route's core,
        which the fast lane shares."""
        scorer, settings = request.app.state.scorer, request.app.state.settings
        started = time.perf_counter()
        result = scorer.records([req.text], ids=[req.id], explain=True)[0]
        metrics.observe_scores([result["risk"]], time.perf_counter() - started)
        if settings.log_text:
            log.info("text=%r score=%.3f", req.text[:200], result["score"])
        return result

    def score_lane(scope: dict, body: bytes) -> bytes | None:
        """POST /score with no query string, answered beside FastAPI: its routing, dependencies and body parsing
        took about as long as scoring a 1 KB ad (0.8 of 2 ms). It answers only what the route would answer 200,
        after the same key check, media type, request model and limits; for anything else (None) the request
        goes down the full stack, which gives it the usual answer. The route stays declared for the schema."""
        request = Request(scope)
        # application/json itself: FastAPI reads other JSON types by rules of its own (the full stack has them)
        plain_json = request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"
        if not plain_json or identify(request) is None:
            return None
        try:
            req = ScoreRequest.model_validate(orjson.loads(body))  # as FastAPI: parsed, then validated as Python
            _check_lengths([req], request.app.state.settings)
        except (ValueError, HTTPException):  # not JSON, not the model, over a limit: the route says so
            return None
        result = score_one(request, req)  # an error here is the request's own: no second try down the stack
        result["item_id"] = result["queued_before"] = None
        return orjson.dumps(result)

    app.add_middleware(BodyLimitAndRequestId, max_bytes=settings.max_body_bytes, observe=metrics.observe_request,
                       lanes={"/score": score_lane})
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["*"])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", [])), "msg": error_message(e), "type": e.get("type", "value_error")}
                  for e in exc.errors()[:20]]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400 and exc.detail == FASTAPI_UNPARSED:  # a body that did not decode (not UTF-8)
            return JSONResponse({"detail": [{"loc": ["body"], "msg": "malformed JSON (the body is not valid UTF-8)",
                                             "type": "json_invalid"}]}, status_code=422)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("request_id=%s internal error", request.scope.get("state", {}).get("request_id"))
        return JSONResponse({"detail": "internal error"}, status_code=500)

    json_body = {"dependencies": [Depends(require_json)], "responses": NOT_JSON | TOO_LARGE}

    # Results are built by the scorer from its own numbers, so they are serialized straight to JSON (orjson)
    # instead of being validated again by pydantic: that took longer than scoring. The schema stays Result.
    # The two scoring routes take the scorer and settings from the app's state rather than as dependencies:
    # FastAPI spent about 55 µs a request on each one.
    @app.post("/score", response_model=review.QueuedResult, dependencies=json_body["dependencies"],
              responses=json_body["responses"] | STORE_DOWN)  # the queue's store
    async def score(req: ScoreRequest, request: Request,
                    queue: bool = Query(False, description="Also keep it in the review queue (`item_id`).")) -> Response:
        """Score one text: score, risk band, category, probabilities, reasons, lowering phrases, flags and
        indicators; with queue=true also keep it in the review queue."""
        _check_lengths([req], request.app.state.settings)
        result = score_one(request, req)
        result["item_id"], result["queued_before"] = await run_in_threadpool(
            review.queue_result, request, request.app.state.scorer, req.text, result) if queue else (None, None)
        return Response(orjson.dumps(result), media_type="application/json")

    @app.post("/score/batch", response_model=BatchResponse, **json_body)
    def score_batch(req: BatchRequest, request: Request) -> Response:
        """Score up to max_batch_items texts; results in the same order."""
        scorer, settings = request.app.state.scorer, request.app.state.settings
        if len(req.items) > settings.max_batch_items:
            raise HTTPException(413, f"{len(req.items)} items; the limit is {settings.max_batch_items} per batch")
        _check_lengths(req.items, settings)
        started = time.perf_counter()
        explain = {"all": True, "flagged": "flagged", "none": False}[req.reasons]
        results = scorer.records([i.text for i in req.items], ids=[i.id for i in req.items], explain=explain)
        metrics.observe_scores([r["risk"] for r in results], time.perf_counter() - started)
        return Response(orjson.dumps({"results": results}), media_type="application/json")

    @app.post("/indicators", response_model=IndicatorsResponse, responses=NOT_JSON | TOO_LARGE,
              dependencies=[Depends(require_json)])
    async def indicators(req: IndicatorsRequest, settings: SettingsDep) -> IndicatorsResponse:
        """Indicators in one text (handles, bots, invites, phones, cards, IBANs, wallets, links, e-mails,
        WhatsApp and VK), with spans into the text; no scoring."""
        if len(req.text) > settings.max_text_chars:
            raise HTTPException(413, f"text is {len(req.text)} characters; the limit is {settings.max_text_chars}")
        return IndicatorsResponse(indicators=find_indicators(req.text, reveal=req.reveal))

    @app.get("/health")
    def health(request: Request, scorer: ScorerDep) -> dict:
        """Liveness, the loaded model's version, warnings from loading it and from its card, and what the card
        says it was not checked against (`caveats`)."""
        card_warnings = [str(w) for w in scorer.card.get("warnings", [])]
        return {"status": "ok", "model_version": scorer.version,
                "warnings": [*request.app.state.warnings, *card_warnings], "caveats": caveats(scorer.card)}

    @app.get("/model")
    def model_card(scorer: ScorerDep) -> dict:
        """The model card: version, data counts, settings, metrics and thresholds."""
        return scorer.card | {"model_version": scorer.version,
                              "thresholds_in_use": {"medium": scorer.medium, "high": scorer.high}}

    @app.get("/metrics", response_class=PlainTextResponse)
    def prometheus() -> PlainTextResponse:
        """Prometheus metrics: requests, latency, scores by risk band."""
        body, content_type = metrics.render()
        return PlainTextResponse(body, media_type=content_type)

    app.include_router(review.router)
    app.include_router(reloading.router)
    app.include_router(web.router)
    web.mount_static(app)
    return app


__all__ = ["ModelError", "create_app"]
