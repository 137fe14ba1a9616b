"""Signing in and out of the pages: a key in a form becomes the HttpOnly cookie of ``auth``, and
the browser goes to the page of the key's role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from credence.errors import AccessDeniedError
from credence.service.deps import ServiceDep
from credence.web.auth import HOME_OF_ROLE, MAX_SECRET, key_for, sign_in, sign_out
from credence.web.render import PageRoute, login_page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)  # nothing to read here: no twin


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return login_page(request, None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    service: ServiceDep,
    key: Annotated[str, Form(max_length=MAX_SECRET)] = "",
) -> HTMLResponse | RedirectResponse:
    """Check the key, keep it in the cookie, and go to the page of its role."""
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
    sign_in(request, response, secret)
    return response


@router.post("/logout", response_model=None)
def logout() -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    sign_out(response)
    return response
