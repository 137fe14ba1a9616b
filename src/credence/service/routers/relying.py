"""Relying parties (banks, landlords, procurement offices, inspectors): a subject's standing for a
stated purpose, limited to what the purpose discloses (``purposes.DISCLOSES``). A person's file
also needs that person's consent to disclosure for the purpose; every request is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from credence.errors import AccessDeniedError
from credence.identifiers import shown_code
from credence.rights.disclosure import may_disclose
from credence.rights.files import subject_kind_of
from credence.runs.subject_file import subject_records
from credence.service.deps import PurposeDep, RelyingCaller, ServiceDep, subject_code
from credence.service.purposes import DISCLOSES
from credence.service.queries.measures import measures_answer
from credence.service.queries.subjects import explanation
from credence.service.schemas import DisclosureOut, ExplanationOut, MeasuresAnswer

router = APIRouter(prefix="/relying", tags=["relying party"])
Code = Annotated[str, Path(max_length=40, description="USCC or resident identity number")]


REFUSED = (
    "no consent to disclosure for {purpose} is on record for this person: their file cannot be "
    "read for it (a person grants it in their portal, apart from consent to be scored)"
)


def _known(
    service: ServiceDep, caller: RelyingCaller, code: str, purpose: str, action: str
) -> tuple[str, str]:
    """(kind, code) of a subject that may be looked at for ``purpose``.

    A person is looked at only with their consent to disclosure for the purpose; a person the
    workspace does not know is answered exactly as one who did not consent (no oracle of who is
    registered), and both refusals are audited: the person sees who tried, and why.
    """
    guessed, canonical = subject_code(code)
    with service.db.read() as con:
        if guessed == "person":
            records = subject_records(con, canonical)
            day = service.basis(con).as_of
            if not records or not may_disclose(con, canonical, records, purpose, day):
                refused = True
            else:
                refused = False
            kind = "person"
        else:
            kind = subject_kind_of(con, canonical)
            refused = False
    if refused:
        service.log(caller.actor, caller.role, f"{action}.refused", purpose, (kind, canonical))
        raise AccessDeniedError(REFUSED.format(purpose=purpose))
    return kind, canonical


@router.get("/subjects/{code}", response_model=DisclosureOut)
def subject_file_for(
    service: ServiceDep, caller: RelyingCaller, purpose: PurposeDep, code: Code
) -> DisclosureOut:
    """What the stated purpose discloses of a subject (``disclosed`` names it), identity numbers
    masked. A person's file needs their consent to disclosure for the purpose."""
    kind, canonical = _known(service, caller, code, purpose, "file.read")
    with service.db.read() as con:
        found = explanation(con, service.basis(con), canonical, reveal=False)
    service.log(caller.actor, caller.role, "file.read", purpose, (kind, canonical))
    return disclosed(found, purpose)


def disclosed(found: ExplanationOut, purpose: str) -> DisclosureOut:
    """The parts of a subject's explanation that ``purpose`` discloses, the rest left out."""
    parts = DISCLOSES.get(purpose, ())
    return DisclosureOut(
        subject_kind=found.subject_kind,
        subject_code=found.subject_code,
        name=found.name if found.subject_kind == "organization" else None,
        purpose=purpose,
        as_of=found.as_of,
        disclosed=list(parts),
        grade=found.grade if "grade" in parts else None,
        score=found.score if "score" in parts else None,
        lines=found.lines if "lines" in parts else None,
        listings=found.listings if "listings" in parts else None,
        measures=found.measures if "measures" in parts else None,
    )


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
    if kind == "person" and "grade" not in DISCLOSES.get(purpose, ()):
        found.grade = None  # the purpose does not disclose a person's grade
    service.log(caller.actor, caller.role, "measures.read", purpose, (kind, canonical))
    return found
