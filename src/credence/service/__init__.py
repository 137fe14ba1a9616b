"""The service: a FastAPI app over a workspace, with roles, purposes, audit and the rights.

``create_app`` is the only entry point; nothing is opened or read at import time.
"""

from credence.service.app import create_app

__all__ = ["create_app"]
