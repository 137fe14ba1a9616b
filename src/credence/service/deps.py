"""Typed dependencies: the service, the caller (role and subject from the API key), the purpose.

A key comes in ``X-API-Key`` (or ``Authorization: Bearer``); no key is the public role. A
relying party states its purpose in ``X-Purpose`` on every request, from the configured list
and, when its key is limited, from the key's purposes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from credence.errors import AccessDeniedError, AuthenticationError, InvalidInputError
from credence.identifiers import compact, guess_kind, mask
from credence.service.context import Service
from credence.service.keys import ApiKey, find_key

ROLE_PURPOSE = {"subject": "own_file", "operator": "operations", "auditor": "audit"}

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
bearer = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


async def get_service(request: Request) -> Service:
    """The app's service (async: no thread hop for a dependency that only reads app state)."""
    service = request.app.state.service
    assert isinstance(service, Service)
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


@dataclass(frozen=True)
class Caller:
    """Who is asking: the public, or the holder of a key with its role."""

    role: str
    key: ApiKey | None

    @property
    def actor(self) -> str:
        return self.key.key_id if self.key else "public"

    @property
    def subject(self) -> tuple[str, str]:
        """The subject of a subject key (kind, code)."""
        if self.key is None or self.key.subject_code is None or self.key.subject_kind is None:
            raise AccessDeniedError("this key belongs to no subject")
        return self.key.subject_kind, self.key.subject_code


def get_caller(
    service: ServiceDep,
    api_key: Annotated[str | None, Depends(api_key_header)] = None,
    token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Caller:
    secret = api_key or (token.credentials if token else None)
    if not secret:
        return Caller("public", None)
    with service.db.read() as con:
        key = find_key(con, secret)
    if key is None:
        raise AuthenticationError("unknown or revoked API key")
    return Caller(key.role, key)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(role: str) -> Callable[[Caller], Caller]:
    """A dependency that lets only callers of ``role`` through."""

    def check(caller: CallerDep) -> Caller:
        if caller.role == "public":
            raise AuthenticationError(f"this needs an API key of the {role} role")
        if caller.role != role:
            raise AccessDeniedError(f"a {caller.role} key cannot do this: it needs the {role} role")
        return caller

    return check


SubjectCaller = Annotated[Caller, Depends(require("subject"))]
RelyingCaller = Annotated[Caller, Depends(require("relying_party"))]
OperatorCaller = Annotated[Caller, Depends(require("operator"))]
AuditorCaller = Annotated[Caller, Depends(require("auditor"))]


def get_purpose(
    service: ServiceDep,
    caller: RelyingCaller,
    x_purpose: Annotated[
        str | None,
        Header(
            alias="X-Purpose", max_length=64, description="Why the relying party asks (required)."
        ),
    ] = None,
) -> str:
    configured = ", ".join(service.purposes)
    if not x_purpose:
        raise InvalidInputError(f"state a purpose in the X-Purpose header: one of {configured}")
    purpose = x_purpose.strip()
    if purpose not in service.purposes:
        raise InvalidInputError(f"unknown purpose {purpose!r}: one of {configured}")
    if caller.key is not None and caller.key.purposes and purpose not in caller.key.purposes:
        raise AccessDeniedError(
            f"this key may state only {', '.join(caller.key.purposes)}, not {purpose}"
        )
    return purpose


PurposeDep = Annotated[str, Depends(get_purpose)]


def subject_code(code: str, kind: str | None = None) -> tuple[str, str]:
    """A code from a request: (kind, canonical code), or a 422 that says what is wrong."""
    text = compact(code) if len(code) <= 40 else code
    found = guess_kind(text)
    shown = mask(text) if len(text) == 18 else repr(code[:40])  # never echo a person's number
    if found is None:
        raise InvalidInputError(
            f"{shown} is neither a valid Unified Social Credit Code nor a resident identity "
            "number (check the length and the check character)"
        )
    if kind is not None and found != kind:
        raise InvalidInputError(f"the code given is not the code of an {kind}")
    return found, text
