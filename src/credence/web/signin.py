"""Signing in and out of the pages: a key in a form opens a server-side session (``auth``), and
the browser goes to the page of the key's role. Both forms carry a CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from credence.errors import AccessDeniedError
from credence.service.deps import ServiceDep
from credence.web.auth import (
    HOME_OF_ROLE,
    MAX_SECRET,
    check_form_token,
    check_login_token,
    current_session,
    key_for,
    sign_in,
    sign_out,
)
from credence.web.render import PageRoute, login_page
from credence.web.sessions import MAX_TOKEN, SESSION_HOURS

router = APIRouter(route_class=PageRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)  # nothing to read here: no twin
Token = Annotated[str, Form(max_length=MAX_TOKEN)]


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return login_page(request, None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    service: ServiceDep,
    key: Annotated[str, Form(max_length=MAX_SECRET)] = "",
    token: Token = "",
) -> HTMLResponse | RedirectResponse:
    """Check the form's token and the key, open a session, and go to the page of its role."""
    check_login_token(request, token)
    secret = key.strip()
    if not secret:
        return login_page(request, "enter your key", 422)
    found = key_for(service, secret)
    home = HOME_OF_ROLE.get(found.role)
    if home is None:
        raise AccessDeniedError(
            f"a {found.role} key has no pages here: use it with the API "
            "(its schema is at /openapi.json)"
        )
    response = RedirectResponse(home, status_code=303)
    hours = float(getattr(request.app.state, "session_hours", SESSION_HOURS))
    sign_in(request, response, found, hours)
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, token: Token = "") -> RedirectResponse:
    """End the session (the form must carry its token) and clear the cookie."""
    if current_session(request) is not None:
        check_form_token(request, token)
    response = RedirectResponse("/", status_code=303)
    sign_out(request, response)
    return response
