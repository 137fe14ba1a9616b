"""The subject portal's reading pages: one's file line by line, and who looked at it and why.

Each view calls the subject API's own endpoint function, so a page read is the same read as
``GET /me`` (same data, same audit entry: action, purpose ``own_file``, the key as actor).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from credence.service.context import Service
from credence.service.deps import Caller, ServiceDep
from credence.service.routers import subjects as api
from credence.service.schemas import ExplanationOut, WhoLooked
from credence.web.auth import caller_of_role
from credence.web.render import PRIVATE, PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)
WHO_LOOKED_LIMIT = 200


def subject_caller(request: Request, service: ServiceDep) -> Caller:
    return caller_of_role(request, service, "subject")


SubjectPageCaller = Annotated[Caller, Depends(subject_caller)]


def file_view(service: Service, caller: Caller) -> ExplanationOut:
    return api.my_file(service, caller, None)


def who_looked_view(service: Service, caller: Caller) -> list[WhoLooked]:
    return api.my_audit(service, caller, WHO_LOOKED_LIMIT, 0)


@router.get("/portal", response_class=HTMLResponse)
def portal(request: Request, service: ServiceDep, caller: SubjectPageCaller) -> HTMLResponse:
    """My score, grade, lists, measures and every line with its legal basis and expiry."""
    view = file_view(service, caller)
    shared = api.disclosures_of(service, caller)  # part of the file read just logged
    context = {"file": view, "disclosures": shared, "json_url": "/portal.json"}
    return page(request, "portal.html.j2", context, private=True)


@router.get("/portal/who-looked", response_class=HTMLResponse)
def who_looked(request: Request, service: ServiceDep, caller: SubjectPageCaller) -> HTMLResponse:
    view = who_looked_view(service, caller)
    context = {"entries": view, "json_url": "/portal/who-looked.json"}
    return page(request, "who_looked.html.j2", context, private=True)


@twins.get("/portal.json", response_model=ExplanationOut)
def portal_json(
    service: ServiceDep, caller: SubjectPageCaller, response: Response
) -> ExplanationOut:
    response.headers.update(PRIVATE)
    return file_view(service, caller)


@twins.get("/portal/who-looked.json", response_model=list[WhoLooked])
def who_looked_json(
    service: ServiceDep, caller: SubjectPageCaller, response: Response
) -> list[WhoLooked]:
    response.headers.update(PRIVATE)
    return who_looked_view(service, caller)
