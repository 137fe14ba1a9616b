"""Signing in to the pages: an API key, given once in a form, kept in an HttpOnly cookie.

The cookie holds the key itself (the service stores only its sha256), is HttpOnly (no script
can read it), SameSite=Strict (no other site's form carries it) and Secure over HTTPS. A page
also accepts the key in ``X-API-Key``, as the API does, so its JSON twin works from a script.
Every form that changes something carries a token derived from the key, checked on arrival.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response

from credence.errors import AccessDeniedError, AuthenticationError
from credence.service.context import Service
from credence.service.deps import Caller
from credence.service.keys import ApiKey, find_key

COOKIE = "credence_key"
MAX_SECRET = 200
# Which page a role lands on after signing in; other roles use the API.
HOME_OF_ROLE = {"subject": "/portal", "operator": "/dashboard"}


def presented_secret(request: Request) -> str | None:
    """The key a request carries: the sign-in cookie, else ``X-API-Key`` or a bearer token."""
    secret = request.cookies.get(COOKIE) or request.headers.get("X-API-Key")
    if not secret:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        secret = token.strip() if scheme.lower() == "bearer" else None
    return secret[: MAX_SECRET + 1] if secret else None


def key_for(service: Service, secret: str) -> ApiKey:
    """The live key of ``secret``, or AuthenticationError."""
    with service.db.read() as con:
        key = find_key(con, secret)
    if key is None:
        raise AuthenticationError("unknown or revoked key: sign in again with a valid key")
    return key


def caller_of_role(request: Request, service: Service, role: str) -> Caller:
    """The caller of a page that needs ``role``: 401 without a key, 403 with another role's."""
    secret = presented_secret(request)
    if not secret:
        raise AuthenticationError(f"this page needs a key of the {role} role: sign in")
    key = key_for(service, secret)
    if key.role != role:
        raise AccessDeniedError(
            f"this page needs {_a(role)} key; the key given is {_a(key.role)} key"
        )
    return Caller(key.role, key)


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def form_token(secret: str) -> str:
    """The token a form of this signed-in key carries (another site cannot compute it)."""
    return hmac.new(secret.encode("utf-8"), b"credence-web-form", hashlib.sha256).hexdigest()[:32]


def check_form_token(request: Request, token: str) -> None:
    secret = presented_secret(request) or ""
    given = token.encode("utf-8", "replace")  # bytes: compare_digest refuses non-ASCII text
    if not hmac.compare_digest(form_token(secret).encode("ascii"), given):
        raise AccessDeniedError("the form is stale or came from elsewhere: reload the page")


def sign_in(request: Request, response: Response, secret: str) -> None:
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
