"""Operators: the dashboard, the quarantine, new records (rescored at once), subjects' files,
the full lists, and a rescore on demand. Reads of people's data and every change are audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from credence.actions.records import post_record
from credence.actions.scope import Actor
from credence.errors import InvalidInputError
from credence.identifiers import shown_code
from credence.rights.files import subject_kind_of
from credence.runs.score import ScoreRun
from credence.service.deps import ROLE_PURPOSE, Caller, OperatorCaller, ServiceDep, subject_code
from credence.service.inputs import NewRecordIn
from credence.service.names import name_of
from credence.service.queries.lists import list_page
from credence.service.queries.operator import dashboard, quarantine, sources
from credence.service.queries.organisations import organisation
from credence.service.queries.subjects import explanation
from credence.service.schemas import (
    Dashboard,
    ExplanationOut,
    ListPage,
    NewRecordOut,
    OrganisationSummary,
    QuarantineRow,
    RescoreOut,
    SourceOut,
)

router = APIRouter(prefix="/operator", tags=["operator"])
OPS = ROLE_PURPOSE["operator"]


def operator_actor(caller: Caller) -> Actor:
    """The operator acting, as the audit log names them."""
    return Actor(caller.actor, caller.role, OPS)


def rescore_out(run: ScoreRun) -> RescoreOut:
    return RescoreOut(
        run_id=run.run_id, as_of=run.as_of, ruleset=run.ruleset, version=run.version,
        subjects=run.subjects, scored=run.scored, seconds=round(run.seconds, 3),
    )  # fmt: skip


@router.get("/dashboard", response_model=Dashboard)
def operator_dashboard(service: ServiceDep, caller: OperatorCaller) -> Dashboard:
    """Grades and lists of the last run, ingest totals, and the queues with overdue counts."""
    with service.db.read() as con:
        return dashboard(con, service.basis(con), service.today())


@router.get("/quarantine", response_model=list[QuarantineRow])
def operator_quarantine(
    service: ServiceDep,
    caller: OperatorCaller,
    source: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[QuarantineRow]:
    """Quarantined rows with the reason, field and row number (identity numbers masked)."""
    with service.db.read() as con:
        rows = quarantine(con, source, limit, offset)
    if rows:  # raw rows may be about people: the look is on record
        detail = {"source": source, "offset": offset, "rows": len(rows)}
        service.log(caller.actor, caller.role, "quarantine.read", OPS, None, detail)
    return rows


@router.get("/sources", response_model=list[SourceOut])
def operator_sources(service: ServiceDep, caller: OperatorCaller) -> list[SourceOut]:
    """Registered sources and the columns a new record of each gives."""
    with service.db.read() as con:
        return sources(con)


@router.post("/records", response_model=NewRecordOut, status_code=201)
def new_record(
    service: ServiceDep, caller: OperatorCaller, body: NewRecordIn, response: Response
) -> NewRecordOut:
    """Add one row of a registered source; its subject is rescored at once.

    201 when it went in, 200 when the same row was already in, 422 when it went to quarantine
    (the reason says why; the row is kept there like any other).
    """
    intake = post_record(service, operator_actor(caller), body.source, dict(body.row))
    report, run = intake.report, intake.run
    if intake.quarantine:
        first = intake.quarantine[0]
        raise InvalidInputError(
            f"the row went to quarantine: {first['reason']} ({first['field']}): "
            f"{first['detail']}",
            quarantine=intake.quarantine,
        )
    standing = None
    kind, code = intake.subject or (None, None)
    ex = intake.explanation
    if kind == "organization" and code is not None and ex is not None:
        with service.db.read() as con:  # the standing just computed; only the name is looked up
            name = name_of(con, code)
        standing = OrganisationSummary(
            subject_code=code, name=name, grade=ex.grade, score=ex.score,
            lists=sorted({li.list_name for li in ex.listings if li.state == "published"}),
        )  # fmt: skip
    elif kind == "organization" and code is not None:
        with service.db.read() as con:
            org = organisation(con, code, service.basis(con), public=False)
        standing = OrganisationSummary(
            subject_code=code, name=org.name, grade=org.grade, score=org.score,
            lists=sorted({li.list_name for li in org.listings if li.state == "published"}),
        )  # fmt: skip
    if not report.loaded:
        response.status_code = 200
    return NewRecordOut(
        source=body.source, batch_id=report.batch_id, loaded=report.loaded,
        duplicates=report.duplicates or int(report.already_ingested),
        quarantined=report.quarantined, quarantined_by_reason=report.quarantined_by_reason,
        subject_code=None if code is None else shown_code(kind, code),
        rescored_run=None if run is None else run.run_id, standing=standing,
    )  # fmt: skip


@router.get("/subjects/{code}", response_model=ExplanationOut)
def operator_subject(
    service: ServiceDep,
    caller: OperatorCaller,
    code: Annotated[str, Path(max_length=40)],
) -> ExplanationOut:
    """A subject's explanation, for reviewing appeals and repairs (identity numbers masked)."""
    kind, canonical = subject_code(code)
    with service.db.read() as con:
        subject_kind_of(con, canonical)  # 404 without echoing the code
        found = explanation(con, service.basis(con), canonical, reveal=False)
    service.log(caller.actor, caller.role, "file.read", OPS, (kind, canonical))
    return found


@router.get("/lists/{list_name}", response_model=ListPage)
def operator_list(
    service: ServiceDep,
    caller: OperatorCaller,
    list_name: Annotated[str, Path(max_length=16)],
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
    include_expired: bool = False,
) -> ListPage:
    """A whole list: people too (masked), proposed and ended listings as well."""
    with service.db.read() as con:
        found = list_page(
            con, service.basis(con).results, list_name, page, per_page, False, include_expired
        )
    people = [i.subject_code for i in found.items if i.subject_kind == "person"]
    if people:
        service.log(caller.actor, caller.role, "list.read", OPS, None,
                    {"list": list_name, "page": page, "people": len(people)})  # fmt: skip
    return found


@router.post("/rescore", response_model=RescoreOut)
def operator_rescore(service: ServiceDep, caller: OperatorCaller) -> RescoreOut:
    """Rescore every subject on the service day under the current ruleset."""
    run = service.rescore()
    service.log(caller.actor, caller.role, "subjects.rescored", OPS, None, {"run_id": run.run_id})
    return rescore_out(run)
