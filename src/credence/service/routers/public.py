"""Public endpoints (no key): organisations' grades, lists, measures and public penalty records,
and the published inspection plans. A person is never in a public answer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from credence.errors import InvalidInputError
from credence.inspection.models import PublicPlan
from credence.inspection.store import list_plans, public_plan
from credence.service.context import Service
from credence.service.deps import ServiceDep, subject_code
from credence.service.inputs import plain_query
from credence.service.purposes import KNOWN_PURPOSES
from credence.service.queries.lists import list_csv, list_page
from credence.service.queries.measures import measures_answer
from credence.service.queries.organisations import organisation, search_organisations
from credence.service.schemas import (
    ErrorOut,
    ListPage,
    MeasuresAnswer,
    OrganisationOut,
    PurposeOut,
    SearchPage,
)
from credence.store import audit_head
from credence.store.audit_head import SignedHead

router = APIRouter(tags=["public"])


class ListFormat(StrEnum):
    json = "json"
    csv = "csv"


@router.get("/purposes", response_model=list[PurposeOut])
def purposes(service: ServiceDep) -> list[PurposeOut]:
    """The purposes a relying party may state here (credit and compliance only)."""
    return [
        PurposeOut(purpose=p, family=KNOWN_PURPOSES[p][0], description=KNOWN_PURPOSES[p][1])
        for p in service.purposes
    ]


@router.get("/organisations", response_model=SearchPage)
def search(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Name words or code")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SearchPage:
    """Search organisations by name, or by the start of their code."""
    with service.db.read() as con:
        return search_organisations(
            con, service.basis(con).results, plain_query(q, "q"), limit, offset
        )


def _organisation_json(service: Service, code: str) -> bytes:
    with service.db.read() as con:
        return organisation(con, code, service.basis(con)).model_dump_json().encode()


@router.get("/organisations/{code}", response_model=OrganisationOut)
async def lookup(service: ServiceDep, code: Annotated[str, Path(max_length=40)]) -> Response:
    """An organisation by its Unified Social Credit Code: grade, lists, measures, penalties.

    The busiest endpoint: answered from the cache on the event loop, computed in a worker
    thread the first time after each change.
    """
    _, canonical = subject_code(code, "organization")
    key = ("organisation.json", canonical)
    found, body, generation = service.cache_get(key)
    if not found:
        body = await run_in_threadpool(_organisation_json, service, canonical)
        service.cache_put(key, body, generation)
    return Response(body, media_type="application/json")


@router.get("/organisations/{code}/measures", response_model=MeasuresAnswer)
def organisation_measures(
    service: ServiceDep,
    code: str,
    purpose: Annotated[str, Query(max_length=64)] = "tender_eligibility",
) -> MeasuresAnswer:
    """The measures on an organisation and what they answer for a purpose."""
    if purpose not in service.purposes:
        raise InvalidInputError(
            f"unknown purpose {purpose[:64]!r}: one of {', '.join(service.purposes)}"
        )
    _, canonical = subject_code(code, "organization")
    with service.db.read() as con:
        organisation(con, canonical, service.basis(con))  # 404 for an unknown organisation
        basis = service.basis(con)
        return measures_answer(
            con, basis.results, "organization", canonical, canonical, purpose, basis.as_of
        )


@router.get(
    "/lists/{list_name}",
    response_model=ListPage,
    responses={200: {"content": {"text/csv": {}}}},
)
def public_list(
    service: ServiceDep,
    list_name: Annotated[str, Path(max_length=16)],
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
    format: ListFormat = ListFormat.json,
) -> ListPage | Response:
    """The published black or red list (organisations), a page at a time; CSV on request."""
    with service.db.read() as con:
        found = list_page(con, service.basis(con).results, list_name, page, per_page, public=True)
    if format is ListFormat.csv:
        return Response(
            list_csv(found),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{list_name}-{page}.csv"'},
        )
    return found


@router.get("/inspections/plans", response_model=list[PublicPlan])
def published_plans(
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[PublicPlan]:
    """Published inspection plans: which organisations will be inspected."""
    with service.db.read() as con:
        plans = list_plans(con, published_only=True, limit=limit, offset=offset)
    return [public_plan(p) for p in plans]


@router.get(
    "/audit/head",
    response_model=SignedHead,
    responses={404: {"model": ErrorOut, "description": "No head has been signed yet"}},
)
def audit_head_signed(service: ServiceDep) -> SignedHead:
    """The newest signed head of the audit log, for auditors to keep and verify against
    (``credence audit verify --url``); it names entries, never people."""
    with service.db.read() as con:
        return audit_head.require(audit_head.latest(con))
