"""A subject's own file (subject key): the explanation, who looked, the export, the path forward,
and the rights: appeals, link disputes, credit repair. Every read and change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from credence.actions.appeals import file_appeal
from credence.actions.links import contest_link
from credence.actions.repairs import apply_for_repair
from credence.actions.scope import Actor
from credence.errors import InvalidInputError
from credence.rights.access import subject_access_export
from credence.rights.appeals import list_appeals
from credence.rights.disclosure import disclosures, grant, withdraw
from credence.rights.models import Appeal, Repair
from credence.rights.path_forward import PathForward, path_forward
from credence.rights.repair import list_repairs
from credence.runs.subject_file import subject_records
from credence.service.deps import ROLE_PURPOSE, Caller, ServiceDep, SubjectCaller
from credence.service.inputs import AppealIn, IsoDay, LinkContestIn, RepairIn
from credence.service.purposes import DISCLOSES, KNOWN_PURPOSES
from credence.service.queries.subjects import check_day, explanation, who_looked
from credence.service.schemas import DisclosureConsentOut, ExplanationOut, WhoLooked
from credence.store import audit

router = APIRouter(prefix="/me", tags=["subject"])
OWN = ROLE_PURPOSE["subject"]
EVERYTHING = 1_000_000


def subject_actor(caller: Caller) -> Actor:
    """The subject acting on their own file, as the audit log names them."""
    return Actor(caller.actor, caller.role, OWN)


def _log(
    service: ServiceDep, caller: Caller, action: str, detail: dict[str, Any] | None = None
) -> None:
    service.log(caller.actor, caller.role, action, OWN, caller.subject, detail)


@router.get("", response_model=ExplanationOut)
def my_file(
    service: ServiceDep, caller: SubjectCaller, as_of: Annotated[IsoDay | None, Query()] = None
) -> ExplanationOut:
    """My score, grade, lists, measures and every line, with my identity number in full."""
    _, code = caller.subject
    day = check_day(as_of, service.today())
    with service.db.read() as con:
        found = explanation(con, service.basis(con), code, reveal=True, day=day)
    _log(service, caller, "file.read", {"as_of": str(found.as_of)})
    return found


@router.get("/who-looked", response_model=list[WhoLooked])
def my_audit(
    service: ServiceDep,
    caller: SubjectCaller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[WhoLooked]:
    """Who looked at my file or changed it, when, and for which purpose."""
    _, code = caller.subject
    with service.db.read() as con:
        found = who_looked(con, code, limit, offset)
    _log(service, caller, "audit.read")
    return found


@router.get("/export")
def my_export(service: ServiceDep, caller: SubjectCaller) -> dict[str, Any]:
    """Everything held on me, as one JSON document (subject access)."""
    _, code = caller.subject
    with service.db.read() as con:
        basis = service.basis(con)
        trail = [e.model_dump() for e in audit.entries(con, subject_code=code, limit=EVERYTHING)]
        data = subject_access_export(con, basis.ruleset, code, basis.as_of, trail)
    _log(service, caller, "file.export")
    return data


@router.get("/path-forward", response_model=PathForward)
def my_path_forward(service: ServiceDep, caller: SubjectCaller) -> PathForward:
    """Which lines expire when, which repairs are open or possible, what lifts my grade."""
    _, code = caller.subject
    with service.db.read() as con:
        basis = service.basis(con)
        found = path_forward(con, basis.ruleset, code, basis.as_of)
    _log(service, caller, "path_forward.read")
    return found


@router.get("/appeals", response_model=list[Appeal])
def my_appeals(service: ServiceDep, caller: SubjectCaller) -> list[Appeal]:
    """My appeals and link disputes, with their deadlines and decisions."""
    _, code = caller.subject
    with service.db.read() as con:
        found = list_appeals(con, None, code, EVERYTHING)
    _log(service, caller, "appeals.read")
    return found


@router.post("/appeals", response_model=Appeal, status_code=201)
def appeal(service: ServiceDep, caller: SubjectCaller, body: AppealIn) -> Appeal:
    """Appeal against a record of my file, or the black listing resting on it."""
    _, code = caller.subject
    return file_appeal(
        service, subject_actor(caller), code, body.record_id, body.reason, body.against
    )


@router.post("/link-disputes", response_model=Appeal, status_code=201)
def dispute_link(service: ServiceDep, caller: SubjectCaller, body: LinkContestIn) -> Appeal:
    """Say a record on my file is someone else's (a wrong identity match)."""
    _, code = caller.subject
    return contest_link(service, subject_actor(caller), code, body.record_id, body.reason)


@router.get("/repairs", response_model=list[Repair])
def my_repairs(service: ServiceDep, caller: SubjectCaller) -> list[Repair]:
    """My credit repair applications and their decisions."""
    _, code = caller.subject
    with service.db.read() as con:
        found = list_repairs(con, None, code, EVERYTHING)
    _log(service, caller, "repairs.read")
    return found


@router.post("/repairs", response_model=Repair, status_code=201)
def repair(service: ServiceDep, caller: SubjectCaller, body: RepairIn) -> Repair:
    """Apply for credit repair of a remedied record, with the evidence."""
    _, code = caller.subject
    return apply_for_repair(service, subject_actor(caller), code, body.record_id, body.evidence)


def disclosures_of(service: ServiceDep, caller: Caller) -> list[DisclosureConsentOut]:
    """My consents to disclosure, purpose by purpose (the caller logs the read)."""
    _, code = caller.subject
    with service.db.read() as con:
        records = subject_records(con, code)
        found = disclosures(con, code, records, service.purposes, service.basis(con).as_of)
    return [
        DisclosureConsentOut(
            description=KNOWN_PURPOSES[d.purpose][1],
            discloses=list(DISCLOSES.get(d.purpose, ())),
            **d.model_dump(),
        )
        for d in found
    ]


def _purpose_of(service: ServiceDep, purpose: str) -> str:
    if purpose not in service.purposes:
        raise InvalidInputError(
            f"purpose: {purpose[:40]!r} is not a purpose of this service "
            f"({', '.join(service.purposes)})"
        )
    return purpose


@router.get("/disclosures", response_model=list[DisclosureConsentOut])
def my_disclosures(service: ServiceDep, caller: SubjectCaller) -> list[DisclosureConsentOut]:
    """For each purpose a relying party may state here: what it would see of my file, and
    whether I agree to it (apart from my consent to be scored)."""
    found = disclosures_of(service, caller)
    _log(service, caller, "disclosures.read")
    return found


@router.put("/disclosures/{purpose}", response_model=list[DisclosureConsentOut])
def grant_disclosure(
    service: ServiceDep, caller: SubjectCaller, purpose: str
) -> list[DisclosureConsentOut]:
    """I agree that relying parties stating ``purpose`` may see what it discloses of my file."""
    chosen = _purpose_of(service, purpose)
    with service.db.write() as con:
        grant(con, caller.subject[1], chosen)
        service.record(con, caller.actor, caller.role, "disclosure.granted", chosen,
                       caller.subject)  # fmt: skip
    return disclosures_of(service, caller)


@router.delete("/disclosures/{purpose}", response_model=list[DisclosureConsentOut])
def withdraw_disclosure(
    service: ServiceDep, caller: SubjectCaller, purpose: str
) -> list[DisclosureConsentOut]:
    """I withdraw my consent to disclosure for ``purpose``, from now."""
    chosen = _purpose_of(service, purpose)
    with service.db.write() as con:
        withdraw(con, caller.subject[1], chosen)
        service.record(con, caller.actor, caller.role, "disclosure.withdrawn", chosen,
                       caller.subject)  # fmt: skip
    return disclosures_of(service, caller)
