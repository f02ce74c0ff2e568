"""The HTTP API: POST /score, POST /score/batch, GET /health, GET /model, GET /metrics; the review routes
(api.review), model reload (api.reload) and the moderators' page at / (api.web).

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
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, StrictInt, StrictStr
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from classifier.artifact import ModelError
from classifier.result import Result
from classifier.scorer import Scorer

from . import reload as reloading
from . import review, web
from .auth import check_api_key
from .metrics import Metrics
from .middleware import BodyLimitAndRequestId
from .settings import ApiSettings

log = logging.getLogger("adrisk.api")


class ScoreRequest(BaseModel):
    text: StrictStr = Field(description="The ad or message to score.")
    id: StrictStr | StrictInt | None = None


class BatchRequest(BaseModel):
    items: list[ScoreRequest]


class BatchResponse(BaseModel):
    results: list[Result]


async def get_scorer(request: Request) -> Scorer:
    return request.app.state.scorer


async def get_settings(request: Request) -> ApiSettings:
    return request.app.state.settings


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

    app = FastAPI(title="adrisk", version="0.1.0", lifespan=lifespan,
                  description="Scores job ads and recruitment messages for drug-courier and scam recruitment bait.",
                  dependencies=[Depends(check_api_key)])
    app.state.settings = settings
    app.state.warnings = []
    app.state.store = review.LazyStore(settings.store_url, settings.store_text)
    app.state.reloader = reloading.Reloader(app)
    app.add_middleware(BodyLimitAndRequestId, max_bytes=settings.max_body_bytes, observe=metrics.observe_request)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["*"])

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", "")} for e in exc.errors()[:20]]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception):
        log.exception("request_id=%s internal error", request.scope.get("state", {}).get("request_id"))
        return JSONResponse({"detail": "internal error"}, status_code=500)

    @app.post("/score", response_model=review.QueuedResult)
    async def score(req: ScoreRequest, scorer: ScorerDep, settings: SettingsDep, request: Request,
                    queue: bool = Query(False, description="Also keep it in the review queue (`item_id`).")):
        """Score one text: score, risk band, category, probabilities, reasons and flags."""
        _check_lengths([req], settings)
        started = time.perf_counter()
        result = scorer.score([req.text], ids=[req.id])[0]
        metrics.observe_scores([result.risk], time.perf_counter() - started)
        if settings.log_text:
            log.info("text=%r score=%.3f", req.text[:200], result.score)
        if queue:
            item_id = await run_in_threadpool(review.queue_result, request, scorer, req.text, result)
            return review.QueuedResult(**result.model_dump(), item_id=item_id)
        return result

    @app.post("/score/batch", response_model=BatchResponse)
    def score_batch(req: BatchRequest, scorer: ScorerDep, settings: SettingsDep) -> BatchResponse:
        """Score up to max_batch_items texts; results in the same order."""
        if len(req.items) > settings.max_batch_items:
            raise HTTPException(413, f"{len(req.items)} items; the limit is {settings.max_batch_items} per batch")
        _check_lengths(req.items, settings)
        started = time.perf_counter()
        results = scorer.score([i.text for i in req.items], ids=[i.id for i in req.items]) if req.items else []
        metrics.observe_scores([r.risk for r in results], time.perf_counter() - started)
        return BatchResponse(results=results)

    @app.get("/health")
    def health(request: Request, scorer: ScorerDep) -> dict:
        """Liveness and the loaded model's version."""
        return {"status": "ok", "model_version": scorer.version, "warnings": request.app.state.warnings}

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
