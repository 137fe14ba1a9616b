"""Relying parties (banks, landlords, procurement offices, inspectors): a subject's standing for a
stated purpose. A person's file also needs that person's consent; every request is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from credence.errors import AccessDeniedError
from credence.identifiers import shown_code
from credence.rights.files import subject_kind_of
from credence.service.deps import PurposeDep, RelyingCaller, ServiceDep, subject_code
from credence.service.queries.measures import measures_answer
from credence.service.queries.subjects import explanation, require_consent
from credence.service.schemas import ExplanationOut, MeasuresAnswer

router = APIRouter(prefix="/relying", tags=["relying party"])
Code = Annotated[str, Path(max_length=40, description="USCC or resident identity number")]


def _known(
    service: ServiceDep, caller: RelyingCaller, code: str, purpose: str, action: str
) -> tuple[str, str]:
    """(kind, code) of a subject the workspace knows, with consent checked for a person.

    A look refused for want of consent is audited too: the person sees who tried, and why.
    """
    _, canonical = subject_code(code)
    with service.db.read() as con:
        kind = subject_kind_of(con, canonical)
        try:
            if kind == "person":
                require_consent(con, canonical, purpose, service.basis(con).as_of)
        except AccessDeniedError:
            service.log(caller.actor, caller.role, f"{action}.refused", purpose, (kind, canonical))
            raise
    return kind, canonical


@router.get("/subjects/{code}", response_model=ExplanationOut)
def subject_file_for(
    service: ServiceDep, caller: RelyingCaller, purpose: PurposeDep, code: Code
) -> ExplanationOut:
    """A subject's explanation for the stated purpose (identity numbers masked)."""
    kind, canonical = _known(service, caller, code, purpose, "file.read")
    with service.db.read() as con:
        found = explanation(con, service.basis(con), canonical, reveal=False)
    service.log(caller.actor, caller.role, "file.read", purpose, (kind, canonical))
    return found


@router.get("/subjects/{code}/measures", response_model=MeasuresAnswer)
def measures_for(
    service: ServiceDep, caller: RelyingCaller, purpose: PurposeDep, code: Code
) -> MeasuresAnswer:
    """The measures on a subject and what they answer for the stated purpose."""
    kind, canonical = _known(service, caller, code, purpose, "measures.read")
    with service.db.read() as con:
        basis = service.basis(con)
        found = measures_answer(
            con, basis.results, kind, canonical, shown_code(kind, canonical), purpose,
            basis.as_of,
        )
    service.log(caller.actor, caller.role, "measures.read", purpose, (kind, canonical))
    return found
