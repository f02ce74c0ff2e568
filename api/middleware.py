"""ASGI middleware: request body limit (before parsing), a request id on every response and log line, and fast
lanes: a POST route answered from the buffered body beside the app when the lane can (see api.app)."""
from __future__ import annotations

import json
import logging
import time
import uuid

log = logging.getLogger("adrisk.api")


async def _send_json(send, status: int, payload: dict, request_id: str) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": body})


def _route_path(scope) -> str:
    """The path the app routes on: without the root path a proxy serves it under (as Starlette reads it)."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root):len(root) + 1] == "/":
        return path[len(root):]
    return path


class BodyLimitAndRequestId:
    """Refuse bodies over max_bytes with 413 (by header or while streaming); tag responses with X-Request-ID.
    lanes: path -> fn(scope, body) giving a 200 JSON body for a POST with no query string, or None to pass the
    request on to the app."""

    def __init__(self, app, max_bytes: int, observe=None, lanes=None):
        self.app = app
        self.max_bytes = max_bytes
        self.observe = observe
        self.lanes = lanes or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = given if given and given.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500}
        detail = f"request body over the {self.max_bytes}-byte limit"
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_bytes:
            status["code"] = 413
            await _send_json(send, 413, {"detail": detail}, request_id)
            self._log(scope, 413, started, request_id)
            return
        chunks, size = [], 0
        more = True
        while more:  # buffer the body (bounded by max_bytes) so an oversized one never reaches the parser
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_bytes:
                status["code"] = 413
                await _send_json(send, 413, {"detail": detail}, request_id)
                self._log(scope, 413, started, request_id)
                return
        body, replayed = b"".join(chunks), {"done": False}
        lane = self.lanes.get(_route_path(scope)) if scope.get("method") == "POST" and not scope.get("query_string") \
            else None

        async def replay():
            if not replayed["done"]:
                replayed["done"] = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def tagged_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            answer = lane(scope, body) if lane else None
            if answer is not None:
                await tagged_send({"type": "http.response.start", "status": 200,
                                   "headers": [(b"content-type", b"application/json"),
                                               (b"content-length", str(len(answer)).encode())]})
                await send({"type": "http.response.body", "body": answer})
                return
            await self.app(scope, replay, tagged_send)
        finally:
            self._log(scope, status["code"], started, request_id)

    def _log(self, scope, code: int, started: float, request_id: str) -> None:
        elapsed = time.perf_counter() - started
        if self.observe:
            self.observe(scope.get("path", ""), code, elapsed)
        log.info("request_id=%s %s %s %d %.1fms", request_id, scope.get("method"), scope.get("path"), code,
                 elapsed * 1000)
