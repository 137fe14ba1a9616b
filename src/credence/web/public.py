"""Public pages (no key): the lookup, an organisation's page, the published lists and inspection
plans. Each page and its ``.json`` twin come from one view function over the service's queries,
and, like the public API, none of them ever shows a person.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from credence.inspection.models import PublicPlan
from credence.inspection.store import list_plans, public_plan
from credence.runs.lists import LIST_NAMES
from credence.service.context import Service
from credence.service.deps import ServiceDep, subject_code
from credence.service.inputs import plain_query
from credence.service.queries.lists import list_page
from credence.service.queries.organisations import organisation, search_organisations
from credence.service.schemas import ListPage, OrganisationOut, SearchPage
from credence.web.render import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)

SEARCH_PAGE = 20
Page = Annotated[int, Query(alias="page", ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=500)]
SearchText = Annotated[str, Query(max_length=100)]
Code = Annotated[str, Path(max_length=40)]
ListName = Annotated[str, Path(max_length=16)]


class ListTotal(BaseModel):
    list_name: str
    published: int


class HomeOut(BaseModel):
    """What the home page says about the register: its basis and the size of each list."""

    as_of: date | None
    ruleset: str | None
    version: str | None
    lists: list[ListTotal]


# ---------------------------------------------------------------- views: each page's one source


def home_view(service: Service) -> HomeOut:
    with service.db.read() as con:
        basis = service.basis(con)
        totals = [
            ListTotal(
                list_name=name,
                published=list_page(con, basis.results, name, 1, 1, public=True).total,
            )
            for name in LIST_NAMES
        ]
    scored = basis.run_id is not None
    return HomeOut(
        as_of=basis.as_of if scored else None,
        ruleset=basis.ruleset.ruleset if scored else None,
        version=basis.ruleset.version if scored else None,
        lists=totals,
    )


def search_view(service: Service, q: str, page_number: int) -> SearchPage:
    text = plain_query(q, "q")
    offset = (page_number - 1) * SEARCH_PAGE
    with service.db.read() as con:
        return search_organisations(con, service.basis(con).results, text, SEARCH_PAGE, offset)


def organisation_view(service: Service, code: str) -> OrganisationOut:
    """An organisation as the public sees it (a person's code is refused, never echoed)."""
    _, canonical = subject_code(code, "organization")

    def compute() -> OrganisationOut:
        with service.db.read() as con:
            return organisation(con, canonical, service.basis(con))

    return service.cached(("web.organisation", canonical), compute)


def list_view(service: Service, list_name: str, page_number: int, per_page: int) -> ListPage:
    with service.db.read() as con:
        return list_page(
            con, service.basis(con).results, list_name, page_number, per_page, public=True
        )


def plans_view(service: Service) -> list[PublicPlan]:
    with service.db.read() as con:
        return [public_plan(p) for p in list_plans(con, published_only=True, limit=10)]


# ---------------------------------------------------------------- pages


@router.get("/", response_class=HTMLResponse)
def home(request: Request, service: ServiceDep) -> HTMLResponse:
    return page(request, "home.html.j2", {"view": home_view(service), "json_url": "/index.json"})


@router.get("/lookup", response_class=HTMLResponse)
def lookup(
    request: Request, service: ServiceDep, q: SearchText = "", page_number: Page = 1
) -> HTMLResponse:
    """The search form, and the organisations found when a query is given."""
    found = search_view(service, q, page_number) if q.strip() else None
    twin = "/lookup.json?" + urlencode({"q": q, "page": page_number}) if found else None
    context = {"q": q, "found": found, "page_number": page_number, "json_url": twin}
    return page(request, "search.html.j2", context)


@router.get("/lookup/{code}", response_class=HTMLResponse)
def organisation_page(request: Request, service: ServiceDep, code: Code) -> HTMLResponse:
    view = organisation_view(service, code)
    return page(
        request,
        "organisation.html.j2",
        {"org": view, "json_url": f"/lookup/{view.subject_code}.json"},
    )


@router.get("/published/{list_name}", response_class=HTMLResponse)
def published_list(
    request: Request,
    service: ServiceDep,
    list_name: ListName,
    page_number: Page = 1,
    per_page: PerPage = 50,
) -> HTMLResponse:
    view = list_view(service, list_name, page_number, per_page)
    pages = max(1, -(-view.total // per_page))
    return page(
        request,
        "list.html.j2",
        {
            "view": view,
            "pages": pages,
            "json_url": f"/published/{view.list_name}.json?"
            + urlencode({"page": view.page, "per_page": view.per_page}),
        },
    )


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request, service: ServiceDep) -> HTMLResponse:
    return page(request, "plans.html.j2", {"plans": plans_view(service), "json_url": "/plans.json"})


# ---------------------------------------------------------------- JSON twins


@twins.get("/index.json", response_model=HomeOut)
def home_json(service: ServiceDep) -> HomeOut:
    return home_view(service)


@twins.get("/lookup.json", response_model=SearchPage)
def lookup_json(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    page_number: Page = 1,
) -> SearchPage:
    return search_view(service, q, page_number)


@twins.get("/lookup/{code}.json", response_model=OrganisationOut)
def organisation_json(service: ServiceDep, code: Code) -> OrganisationOut:
    return organisation_view(service, code)


@twins.get("/published/{list_name}.json", response_model=ListPage)
def published_list_json(
    service: ServiceDep, list_name: ListName, page_number: Page = 1, per_page: PerPage = 50
) -> ListPage:
    return list_view(service, list_name, page_number, per_page)


@twins.get("/plans.json", response_model=list[PublicPlan])
def plans_json(service: ServiceDep) -> list[PublicPlan]:
    return plans_view(service)
