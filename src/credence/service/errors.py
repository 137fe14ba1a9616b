"""The edge where library errors become HTTP answers: a status and a message saying what was wrong.

The only place that knows HTTP status codes. Every answer is ``{"error", "message", "details"}``.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from credence.errors import (
    AccessDeniedError,
    AuthenticationError,
    CredenceError,
    IngestError,
    InvalidInputError,
    NotFoundError,
    ProblemsError,
    RefusedError,
    WorkspaceError,
)

# The first match wins, so subclasses come before their bases.
STATUS: tuple[tuple[type[CredenceError], int, str], ...] = (
    (AuthenticationError, 401, "unauthenticated"),
    (AccessDeniedError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (RefusedError, 409, "refused"),
    (InvalidInputError, 422, "invalid_input"),
    (ProblemsError, 422, "invalid_input"),
    (IngestError, 422, "invalid_input"),
    (WorkspaceError, 503, "unavailable"),
    (CredenceError, 400, "bad_request"),
)


def status_of(error: CredenceError) -> tuple[int, str]:
    for kind, status, name in STATUS:
        if isinstance(error, kind):
            return status, name
    return 400, "bad_request"


def _body(error: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": error, "message": message, "details": details or {}}


async def credence_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CredenceError)
    status, name = status_of(exc)
    details: dict[str, Any] = dict(getattr(exc, "details", {}) or {})
    if isinstance(exc, ProblemsError):
        details["problems"] = [str(p) for p in exc.problems]
    headers = {"WWW-Authenticate": "ApiKey"} if status == 401 else None
    return JSONResponse(_body(name, str(exc), details), status_code=status, headers=headers)


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "request"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """A request that does not fit the schema: one line per problem, naming where it is."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for item in exc.errors():
        if item.get("type") == "json_invalid":
            problems.append("body: not valid JSON")
            continue
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{_where(tuple(item.get('loc', ())))}: {message}")
    problems = list(dict.fromkeys(problems))
    return JSONResponse(
        _body("invalid_request", "; ".join(problems), {"problems": problems}), status_code=422
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own refusals (unknown path, wrong method, unreadable body) in the same shape."""
    assert isinstance(exc, StarletteHTTPException)
    names = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}
    message = exc.detail if isinstance(exc.detail, str) else "the request was refused"
    if exc.status_code == 400 and message == "There was an error parsing the body":
        message = "the body could not be read: send JSON encoded in UTF-8"
    if exc.status_code == 404 and message == "Not Found":
        message = f"no endpoint {request.url.path[:200]} (see /docs)"
    return JSONResponse(
        _body(names.get(exc.status_code, "http_error"), message),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


LOG = logging.getLogger("credence.service")


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Anything no handler above knew: the documented body, with an id the log line carries,
    so an operator finds the traceback a caller quotes; the caller sees no internals."""
    error_id = secrets.token_hex(6)
    LOG.error(
        "error %s on %s %s", error_id, request.method, request.url.path[:200], exc_info=exc
    )
    return JSONResponse(
        _body(
            "internal_error",
            f"the service could not answer this request; quote error id {error_id} to the "
            "operator",
            {"error_id": error_id},
        ),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(CredenceError, credence_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
