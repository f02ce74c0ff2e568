"""Swap in a new model without dropping requests: on SIGHUP or `POST /admin/reload`.

The new model is loaded and warmed up beside the old one, then put in place with one reference assignment: a
request that already holds the old scorer finishes on it, every later one gets the new one. A model that fails
to load leaves the old one serving.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
import time
import warnings
from pathlib import Path

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from classifier.artifact import CARD_FILE, MODEL_FILE, ModelError, default_model_dir
from classifier.scorer import Scorer

from .auth import Actor, require_admin
from .inputs import CleanStr, JsonBody, json_if_any
from .workers import SERVE_WORKERS
from .responses import ADMIN_ONLY, NOT_JSON, TOO_LARGE

log = logging.getLogger("adrisk.api")
router = APIRouter(tags=["admin"])
WARM_UP = "warm-up: курьер 5000 в день"


class ReloadIn(JsonBody):
    model: CleanStr | None = Field(None, description="A model folder (model.skops + card.json); default ADRISK_MODEL "
                                                "or models/.")


class Reloader:
    """Loads models for one app, one at a time."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def target(self, model: str | Path | None) -> Path:
        """The folder to load, absolute (a relative one is the server's working folder's)."""
        return Path(model or self.app.state.settings.model or default_model_dir()).resolve()

    def reload(self, model: str | Path | None = None) -> dict:
        """Load model (default: ADRISK_MODEL or models/), warm it up, swap it in; ModelError if it will not load."""
        path = self.target(model)
        if not (path / MODEL_FILE).is_file() or not (path / CARD_FILE).is_file():
            raise ModelError(f"{path} is not a model folder (it needs {MODEL_FILE} and {CARD_FILE})")
        settings = self.app.state.settings
        with self.lock:
            started = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                scorer = Scorer.load(path, settings.medium, settings.high)
            scorer.score([WARM_UP])
            previous = self.app.state.scorer
            self.app.state.scorer = scorer  # the swap: one reference assignment
            self.app.state.warnings = [str(w.message) for w in caught]
            seconds = round(time.perf_counter() - started, 2)
        log.info("reloaded model %s from %s in %.2f s (was %s)", scorer.version, path, seconds, previous.version)
        threading.Timer(5.0, _refreeze).start()  # once requests on the old model are done
        return {"model_version": scorer.version, "previous_version": previous.version, "model": str(path),
                "seconds": seconds, "warnings": self.app.state.warnings}

    def on_signal(self) -> None:
        try:
            self.reload()
        except Exception as e:  # a bad model on disk: keep serving the old one, and say why
            log.error("SIGHUP reload failed, still serving %s: %s", self.app.state.scorer.version, e)

    def install_sighup(self) -> bool:
        """Reload on SIGHUP; only the main thread's loop can take signals (not so under a test client)."""
        try:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, self.on_signal))
            return True
        except (ValueError, RuntimeError, NotImplementedError):
            return False

    @staticmethod
    def remove_sighup() -> None:
        try:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        except (ValueError, RuntimeError, NotImplementedError):
            pass


def _refreeze() -> None:
    """Let the collector see the old model once (to free it), then keep the new one out of its passes."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@router.post("/admin/reload", responses=ADMIN_ONLY | NOT_JSON | TOO_LARGE, dependencies=[Depends(json_if_any)])
async def reload(request: Request, body: ReloadIn | None = Body(None), _: Actor = Depends(require_admin)) -> dict:
    """Load a model and swap it in without dropping requests (admin key). The body may name the folder. Under
    `serve --workers N` only the worker that answers reloads, and the answer says so."""
    if body and body.model is not None and not body.model.strip():
        raise HTTPException(422, 'model is empty: name a model folder, or send no "model" for ADRISK_MODEL')
    try:
        done = await run_in_threadpool(request.app.state.reloader.reload, body.model if body else None)
    except ModelError as e:
        raise HTTPException(422, f"model not reloaded, still serving the old one: {e}") from None
    workers = int(os.environ.get(SERVE_WORKERS, "1"))
    done |= {"worker_pid": os.getpid(), "workers": workers}
    if workers > 1:
        done["note"] = (f"only this worker of {workers} reloaded; a SIGHUP to the server's main process reloads "
                        "every worker from ADRISK_MODEL")
    return done
