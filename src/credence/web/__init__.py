"""Web pages over the service: server-rendered, every asset local, each with a JSON twin.

``mount_web`` imports the pages only when called: the service's app factory imports this package
to mount them, and the pages import the service, so an eager import here would be a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def mount_web(app: FastAPI) -> None:
    """Add the public lookup, the subject portal and the operator dashboard to ``app``."""
    from credence.web.mount import mount_web as mount

    mount(app)


__all__ = ["mount_web"]
