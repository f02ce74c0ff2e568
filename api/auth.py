"""Who is calling: the admin (ADRISK_API_KEY), a named moderator (ADRISK_MODERATOR_KEYS) or, when no key is
configured at all, `anonymous` (local use: everything is open)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException, Request

OPEN_PATHS = frozenset({"/health", "/"})  # liveness probes, and the page shell (it holds no data)


@dataclass(frozen=True)
class Actor:
    name: str
    role: Literal["admin", "moderator", "anonymous"]


def _same(given: bytes, expected: str) -> bool:
    return secrets.compare_digest(given, expected.encode())  # bytes: any characters compare


def identify(request: Request) -> Actor | None:
    """The caller named by its X-API-Key header; None when keys are configured and this one is not among them."""
    settings = request.app.state.settings
    if not settings.api_key and not settings.moderators:
        return Actor("anonymous", "anonymous")
    given = request.headers.get("x-api-key", "").encode("latin-1", "replace")
    found = None
    if settings.api_key and _same(given, settings.api_key):
        found = Actor("admin", "admin")
    for name, key in settings.moderators.items():  # every key is compared, so timing tells nothing
        if _same(given, key):
            found = Actor(name, "moderator")
    return found


async def check_api_key(request: Request) -> None:
    """Every route but the open ones needs a configured key, when any is configured."""
    if request.url.path in OPEN_PATHS:
        return
    actor = identify(request)
    if actor is None:
        raise HTTPException(401, "missing or wrong X-API-Key header")
    request.state.actor = actor


def actor_of(request: Request) -> Actor:
    return getattr(request.state, "actor", None) or identify(request) or Actor("anonymous", "anonymous")


async def require_admin(request: Request) -> Actor:
    """The admin key, when any key is configured (with moderator keys alone, admin routes stay shut)."""
    actor = actor_of(request)
    if actor.role == "moderator":
        raise HTTPException(403, "this route needs the admin key (ADRISK_API_KEY)" if request.app.state.settings.api_key
                            else "admin routes are shut: set ADRISK_API_KEY to use them")
    return actor
