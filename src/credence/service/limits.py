"""A cap on request bodies: a hostile upload is refused with 413 before it fills the memory.

Pure ASGI (no per-request cost beyond a header check): a declared ``Content-Length`` over the cap
is refused at once; a body sent without one is counted as it arrives and reading stops at the
cap (FastAPI then answers 400, the body being unreadable).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1 << 20


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with a 413 and a message."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await self._refuse(
                send, 400, "bad_request", "the Content-Length header is not a number"
            )
            return
        if declared is not None and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(
        self, send: Send, status: int = 413, error: str = "too_large", message: str = ""
    ) -> None:
        body: dict[str, Any] = {
            "error": error,
            "message": message or f"the request body is over {self.limit:,} bytes",
            "details": {"limit": self.limit},
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())],
            }
        )  # fmt: skip
        await send({"type": "http.response.body", "body": payload})
