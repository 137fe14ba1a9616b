"""Rendering pages: one Jinja2 environment (autoescaped), the headers every page carries, and the
route class that turns a library error on a page into an HTML answer instead of JSON.

The JSON twins keep the service's own error edge; only routes made with ``PageRoute`` answer
errors in HTML, with the same status code the API would give.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined

from credence.errors import AuthenticationError, CredenceError
from credence.service.errors import status_of
from credence.web.auth import COOKIE, current_session, form_token, set_login_cookie
from credence.web.sessions import new_token

# No script, no third-party origin: pages work without JavaScript and load nothing from outside.
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
PRIVATE = {"Cache-Control": "no-store"}


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _stamp(value: str) -> str:
    """An ISO timestamp of the audit log as people read it (UTC, to the second)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _points(value: int | None) -> str:
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


def _effect(effect: Mapping[str, Any]) -> str:
    words = []
    for name, value in sorted(effect.items()):
        if isinstance(value, bool):
            words.append(f"{name.replace('_', ' ')}: {'yes' if value else 'no'}")
        else:
            words.append(f"{name.replace('_', ' ')}: {value}")
    return "; ".join(words)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def make_environment() -> Environment:
    """The templates of ``credence.web``: every value escaped, an unknown name an error."""
    env = Environment(
        loader=PackageLoader("credence.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["points"] = _points
    env.filters["stamp"] = _stamp
    env.filters["effect"] = _effect
    env.filters["basename"] = _basename
    return env


def environment(request: Request) -> Environment:
    env = request.app.state.web_templates
    assert isinstance(env, Environment)
    return env


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    private: bool = False,
) -> HTMLResponse:
    """A rendered page with the security headers; ``private`` pages are never cached."""
    signed_in = current_session(request) is not None
    html = (
        environment(request)
        .get_template(template)
        .render(
            request_path=request.url.path,
            signed_in=signed_in,
            session_token=form_token(request) if signed_in else "",
            **context,
        )
    )
    headers = {**SECURITY_HEADERS, **(PRIVATE if private or signed_in else {})}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    return page(request, "error.html.j2", {"status": status_code, "message": message}, status_code)


def login_page(request: Request, message: str | None, status_code: int = 200) -> HTMLResponse:
    """The sign-in form with a fresh CSRF token; a session that has ended also loses its cookie."""
    token = new_token()
    context = {"message": message, "login_token": token}
    response = page(request, "login.html.j2", context, status_code, private=True)
    set_login_cookie(request, response, token)
    if request.cookies.get(COOKIE) and current_session(request) is None:
        response.delete_cookie(COOKIE, path="/")
    return response


def _problems(error: RequestValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ())) or "request"
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "; ".join(dict.fromkeys(lines))


class PageRoute(APIRoute):
    """A route that answers in HTML: errors become a page with the API's status code."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthenticationError as error:
                return login_page(request, str(error), 401)
            except CredenceError as error:
                status, _ = status_of(error)
                return error_page(request, status, str(error))
            except RequestValidationError as error:
                return error_page(request, 422, _problems(error))

        return page_handler
