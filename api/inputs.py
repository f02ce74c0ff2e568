"""What every request shares: a body field or query parameter a route does not know is an error, and a body's
strings are UTF-8 safe."""
from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictStr

from classifier.scorer import replace_surrogates


def without_surrogates(value):
    """A JSON string may hold a lone surrogate ("\\udc00"), which UTF-8 cannot encode: it becomes U+FFFD, as in
    scoring, so the answer, the logs and the store can all write it (a code point for a code point: offsets
    into the text stay the same). Run before the string check, which refuses a surrogate; a value that is not a
    string is left for that check to refuse."""
    return replace_surrogates(value) if isinstance(value, str) else value


CleanStr = Annotated[StrictStr, BeforeValidator(without_surrogates)]


class JsonBody(BaseModel):
    """A request body: a field it does not know is an error, not silently dropped ({"queue": true} in a body
    would otherwise be ignored, and nothing queued)."""

    model_config = ConfigDict(extra="forbid")


async def known_query(request: Request) -> None:
    """A query parameter a POST or DELETE route does not take is a 422 naming it, not dropped
    (`/score/batch?queue=true`, `?Queue=true` and `/score?reveal=true` had answered 200 with nothing queued or
    revealed)."""
    route = request.scope.get("route")
    if not request.query_params or not hasattr(route, "dependant") or request.method in ("GET", "HEAD"):
        return  # a read changes nothing (a probe, a link with utm_ tags, a cache-buster may add their own)
    takes = set(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - takes)
    if unknown:
        listed = ", ".join(sorted(takes)) or "none"
        raise HTTPException(422, f"unknown query parameter {', '.join(map(repr, unknown))}: this route takes {listed}")


def _query_names(dependant):
    yield from (p.alias for p in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _query_names(sub)


QUERY_PARAMETERS = ("queue",)  # what a client may put in the body by mistake


def error_message(error: dict) -> str:
    """A validation error's message: a validator's own words without pydantic's "Value error, " before them, and
    an unknown field named, with where it belongs if it is a query parameter."""
    if error.get("type") == "json_invalid" and error.get("ctx", {}).get("error"):  # where the JSON broke
        loc = error.get("loc", ())
        at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
        return f"malformed JSON ({str(error['ctx']['error']).removesuffix(' at')}{at})"
    if error.get("type") == "extra_forbidden":
        name = str(error["loc"][-1])
        where = f"; {name} is a query parameter (?{name}=true)" if name in QUERY_PARAMETERS else ""
        return f"unknown field {name!r}{where}"
    return error.get("msg", "").removeprefix("Value error, ")


JSON_TYPES = ("application/json",)


async def require_json(request: Request) -> None:
    """415 for a body that is not JSON, naming the content type received and the one expected."""
    given = request.headers.get("content-type", "")
    media = given.split(";")[0].strip().lower()
    if media not in JSON_TYPES and not (media.startswith("application/") and media.endswith("+json")):
        raise HTTPException(415, f"content type {given!r} received; send the body as application/json"
                            if given else "no content type received; send the body as application/json")


async def json_if_any(request: Request) -> None:
    """require_json for a route whose body is optional: a request without a body passes."""
    if request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers:
        await require_json(request)
