"""The error answers routes declare in the OpenAPI schema, beside FastAPI's own 422 (and the 401 that
app.openapi adds to every route that takes the key). Each one's `detail` says what was wrong."""
from __future__ import annotations

TOO_LARGE = {413: {"description": "The body, a text or a batch is over its limit; `detail` names the limit"}}
NOT_FOUND = {404: {"description": "No such item"}}
NO_VERDICT = {409: {"description": "The item has no verdict to retract"}}
ADMIN_ONLY = {403: {"description": "The route needs the admin key (ADRISK_API_KEY), or is shut without one"}}
STORE_DOWN = {503: {"description": "The review store is busy or unavailable; try again"}}
NOT_JSON = {415: {"description": "The body is not application/json"}}
