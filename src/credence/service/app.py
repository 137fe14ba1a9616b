"""The API's factory: ``create_app(workspace)`` builds the FastAPI app of one workspace's API.

The web pages sit above the service and mount themselves on this app:
``credence.web.create_app`` is the whole site (API and pages), what ``credence serve`` runs.
Nothing happens at import time; the workspace is opened when the app is made and its
connections closed at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from fastapi import FastAPI

from credence.service import errors
from credence.service.context import Service
from credence.service.intake import warm_reads
from credence.service.limits import BodyLimit
from credence.service.purposes import DEFAULT_PURPOSES, check_purposes
from credence.service.routers import (
    auditor,
    inspections,
    operator,
    public,
    queues,
    relying,
    subjects,
)
from credence.store import Workspace
from credence.store.audit_head import HeadSigner

DESCRIPTION = """Credence over one workspace.

* **public** (no key): organisations' grades, lists, measures and public penalty records.
* **subject** (`X-API-Key` of a subject): their own file, who looked, appeals, repairs.
* **relying party**: a stated purpose (`X-Purpose`) on every request; a person's file also
  needs their consent.
* **operator** and **auditor**: the queues, new records, inspection plans; the audit log.

Errors are `{"error", "message", "details"}` with a 4xx status that says what was wrong.
"""


async def _sign_heads(service: Service, seconds: float) -> None:
    """Sign the head now, then whenever it moved, every ``seconds``."""
    if service.signer is None:
        return
    while True:
        await asyncio.to_thread(service.checkpoint)
        await asyncio.sleep(seconds)


def _clock(today: date | Callable[[], date] | None) -> Callable[[], date]:
    if today is None:
        return date.today
    if isinstance(today, date):
        return lambda: today
    return today


def create_app(
    workspace: Path,
    *,
    purposes: list[str] | None = None,
    today: date | Callable[[], date] | None = None,
    audit_key: Path | None = None,
    checkpoint_minutes: float = 5.0,
) -> FastAPI:
    """The API over ``workspace`` (no pages); ``today`` fixes the service day (default: the
    date). With ``audit_key`` the audit head is signed at start, every ``checkpoint_minutes``
    while the log moves, and at stop."""
    ws = Workspace.open(Path(workspace))
    chosen = check_purposes(purposes) if purposes is not None else DEFAULT_PURPOSES
    signer = HeadSigner.from_file(audit_key, ws) if audit_key is not None else None
    service = Service(ws, chosen, _clock(today), signer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warming = app.state.warming = warm_reads(service)
        signing = asyncio.create_task(_sign_heads(service, checkpoint_minutes * 60))
        yield
        signing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await signing
        warming.cancel()
        with contextlib.suppress(Exception):  # a failed warm-up only costs the first post
            warming.result()
        await asyncio.to_thread(service.checkpoint)  # what was logged since the last one
        service.close()

    app = FastAPI(
        title="Credence",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load from a CDN; every asset here is local
        redoc_url=None,
    )
    app.state.service = service
    app.add_middleware(BodyLimit)
    errors.install(app)
    for module in (public, subjects, relying, operator, queues, inspections, auditor):
        app.include_router(module.router)
    return app
