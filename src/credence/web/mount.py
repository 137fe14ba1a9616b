"""``mount_web(app)``: add the pages, their JSON twins and the local static files to an app;
``create_app(workspace)``: the service's API with the pages mounted, the whole site.

The twins are added before the pages so that ``/lookup/CODE.json`` reaches its twin rather
than the page of an organisation called ``CODE.json``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from credence.service.app import create_app as create_api
from credence.web import dashboard, portal, public, rights, sessions, signin
from credence.web.render import make_environment
from credence.web.sessions import SESSION_HOURS

STATIC_DIR = Path(__file__).parent / "static"


def mount_web(
    app: FastAPI, *, secure_cookies: bool = False, session_hours: float = SESSION_HOURS
) -> None:
    """Serve the public lookup, the subject portal and the operator dashboard from ``app``.

    ``secure_cookies`` marks the sign-in cookies Secure on a loopback host too (they always are
    on any other: ``auth.secure_cookie``); ``session_hours`` is how long a sign-in lasts.
    Mounting twice changes nothing, so a test may call it on an app that already has the pages.
    """
    if getattr(app.state, "web_templates", None) is not None:
        return
    with app.state.service.db.write() as con:
        sessions.ensure_tables(con)
    app.state.secure_cookies = secure_cookies
    app.state.session_hours = session_hours
    app.state.web_templates = make_environment()
    modules = (public, signin, portal, rights, dashboard)
    for module in modules:
        app.include_router(module.twins)
    for module in modules:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def create_app(
    workspace: Path,
    *,
    purposes: list[str] | None = None,
    today: date | Callable[[], date] | None = None,
    secure_cookies: bool = False,
    session_hours: float = SESSION_HOURS,
    audit_key: Path | None = None,
    checkpoint_minutes: float = 5.0,
) -> FastAPI:
    """The whole site over ``workspace``: the API (``credence.service.create_app``, same
    arguments) with the public lookup, the subject portal and the operator dashboard
    (``mount_web``'s arguments)."""
    app = create_api(
        workspace,
        purposes=purposes,
        today=today,
        audit_key=audit_key,
        checkpoint_minutes=checkpoint_minutes,
    )
    mount_web(app, secure_cookies=secure_cookies, session_hours=session_hours)
    return app
