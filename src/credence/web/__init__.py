"""Web pages over the service: server-rendered, every asset local, each with a JSON twin.

The pages sit above the service: they import it, it never imports them. ``create_app`` is the
whole site (the service's API with the pages mounted); ``mount_web`` adds the pages to an API app.
"""

from credence.web.mount import create_app, mount_web

__all__ = ["create_app", "mount_web"]
