"""Auditors: the audit log (people's codes masked) and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from credence.identifiers import shown_code
from credence.service.deps import ROLE_PURPOSE, AuditorCaller, ServiceDep, subject_code
from credence.service.schemas import Verification
from credence.store import audit, audit_head

router = APIRouter(prefix="/auditor", tags=["auditor"])
AUDIT = ROLE_PURPOSE["auditor"]


@router.get("/audit", response_model=list[audit.AuditEntry])
def audit_log(
    service: ServiceDep,
    caller: AuditorCaller,
    subject: Annotated[str | None, Query(max_length=40)] = None,
    actor: Annotated[str | None, Query(max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> list[audit.AuditEntry]:
    """Who looked at what and why, newest first; filter by subject, actor or action."""
    code = subject_code(subject)[1] if subject else None
    with service.db.read() as con:
        found = audit.entries(
            con, subject_code=code, actor=actor, action=action, limit=limit, offset=offset
        )
    shown = shown_code("person", code) if code else None
    service.log(
        caller.actor, caller.role, "audit.read", AUDIT, None, {"subject": shown, "n": len(found)}
    )
    return [
        e.model_copy(update={"subject_code": shown_code(e.subject_kind, e.subject_code)})
        if e.subject_code
        else e
        for e in found
    ]


@router.get("/audit/verify", response_model=Verification)
def verify(
    service: ServiceDep,
    caller: AuditorCaller,
    expect_head: Annotated[str | None, Query(max_length=64, pattern="^[0-9a-f]{64}$")] = None,
) -> Verification:
    """Recompute the hash chain and check the log holds the newest signed head: names every
    edited, reordered, removed or rewritten entry."""
    with service.db.read() as con:
        stored = audit_head.latest(con)
        heads = [("the workspace", stored)] if stored is not None else []
        trusted = service.signer.public if service.signer is not None else None
        found = audit_head.verify(con, heads, trusted, expect_head)
    service.log(caller.actor, caller.role, "audit.verified", AUDIT, None, {"ok": found.ok})
    return Verification.model_validate(found.to_dict())
