"""Signing in to the pages: an API key, given once in a form, opens a server-side session.

The cookie holds only the session's random token (``sessions.py``), never the key. It is
HttpOnly (no script can read it), SameSite=Strict (no other site's request carries it), lives
no longer than the session, and is Secure: always, except for a page served to a loopback
address (a developer's own machine, where there is no TLS), and there too when the service is
started with ``--secure-cookies`` (behind a TLS proxy on the same machine). A page also accepts
the key in ``X-API-Key``, as the API does, so its JSON twin works from a script.

CSRF: the sign-in form carries a token that must match a cookie set with the form (another
site can neither read nor set it); every form of a signed-in page, sign-out included, carries
the session's own form token. A caller using a key header needs no cookie, and its forms carry a
token derived from the key.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request, Response

from credence.errors import AccessDeniedError, AuthenticationError
from credence.service.context import Service
from credence.service.deps import Caller
from credence.service.keys import ApiKey, find_key
from credence.web import sessions
from credence.web.sessions import Session

COOKIE = "credence_session"
LOGIN_COOKIE = "credence_login"  # the sign-in form's CSRF token, set with the form
LOGIN_MINUTES = 60
MAX_SECRET = 200
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}
# Which page a role lands on after signing in; other roles use the API.
HOME_OF_ROLE = {"subject": "/portal", "operator": "/dashboard"}
_NO_SESSION = object()


def header_secret(request: Request) -> str | None:
    """The key a request carries in ``X-API-Key`` or as a bearer token."""
    secret = request.headers.get("X-API-Key")
    if not secret:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        secret = token.strip() if scheme.lower() == "bearer" else None
    return secret[: MAX_SECRET + 1] if secret else None


def current_session(request: Request) -> Session | None:
    """The live session the request's cookie names, looked up once per request."""
    found = getattr(request.state, "credence_session", _NO_SESSION)
    if found is _NO_SESSION:
        token = request.cookies.get(COOKIE)
        found = None
        if token:
            service: Service = request.app.state.service
            with service.db.read() as con:
                found = sessions.find(con, token)
        request.state.credence_session = found
    return found  # type: ignore[return-value]


def key_for(service: Service, secret: str) -> ApiKey:
    """The live key of ``secret``, or AuthenticationError."""
    with service.db.read() as con:
        key = find_key(con, secret)
    if key is None:
        raise AuthenticationError("unknown or revoked key: sign in again with a valid key")
    return key


def caller_of_role(request: Request, service: Service, role: str) -> Caller:
    """The caller of a page that needs ``role``: 401 without a key or a live session, 403 with
    another role's."""
    secret = header_secret(request)
    if secret:
        key = key_for(service, secret)
    else:
        session = current_session(request)
        if session is None:
            if request.cookies.get(COOKIE):
                raise AuthenticationError("your session has ended: sign in again")
            raise AuthenticationError(f"this page needs a key of the {role} role: sign in")
        key = session.key
    if key.role != role:
        raise AccessDeniedError(
            f"this page needs {_a(role)} key; the key given is {_a(key.role)} key"
        )
    return Caller(key.role, key)


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"


def form_token(request: Request) -> str:
    """The token the forms of this page carry: the session's, or one derived from the key
    header (another site can compute neither)."""
    session = current_session(request)
    if session is not None:
        return session.form_token
    secret = header_secret(request) or ""
    return hmac.new(secret.encode("utf-8"), b"credence-web-form", hashlib.sha256).hexdigest()[:32]


def check_form_token(request: Request, token: str) -> None:
    if not _same(form_token(request), token):
        raise AccessDeniedError("the form is stale or came from elsewhere: reload the page")


def _same(expected: str, given: str) -> bool:
    # bytes: compare_digest refuses non-ASCII text
    return bool(expected) and hmac.compare_digest(
        expected.encode("ascii"), given.encode("utf-8", "replace")
    )


def secure_cookie(request: Request) -> bool:
    """Whether cookies are marked Secure: always but on a loopback host, unless forced."""
    if getattr(request.app.state, "secure_cookies", False) or request.url.scheme == "https":
        return True
    return (request.url.hostname or "") not in LOOPBACK


def set_login_cookie(request: Request, response: Response, token: str) -> None:
    """Set the sign-in form's token in a cookie beside it (double submit)."""
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=LOGIN_MINUTES * 60,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/login",
    )


def check_login_token(request: Request, token: str) -> None:
    if not _same(request.cookies.get(LOGIN_COOKIE, ""), token):
        raise AccessDeniedError("the sign-in form is stale or came from elsewhere: reload it")


def sign_in(request: Request, response: Response, key: ApiKey, hours: float) -> None:
    """Open a session for ``key`` and give the browser its token."""
    service: Service = request.app.state.service
    with service.db.write() as con:
        token, session = sessions.start(con, key, hours)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    request.state.credence_session = session


def sign_out(request: Request, response: Response) -> None:
    """End the session server-side and clear its cookie."""
    token = request.cookies.get(COOKIE)
    if token:
        service: Service = request.app.state.service
        with service.db.write() as con:
            sessions.end(con, token)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=secure_cookie(request)
    )
