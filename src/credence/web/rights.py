"""The subject portal's forms: file an appeal, and apply for credit repair from the path forward.

A form takes the act the subject API takes (``POST /me/appeals``, ``/me/repairs``: the actions
of ``credence.actions``), so it meets the same checks and leaves the same audit entry; a refusal
shows the form again with what was typed and the reason, with the status the API would give.
Success redirects (303), so a reload does not file twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ValidationError

from credence.actions import appeals as appeal_acts
from credence.actions import repairs as repair_acts
from credence.errors import CredenceError
from credence.rights.models import Appeal, Repair
from credence.rights.path_forward import PathForward
from credence.service.context import Service
from credence.service.deps import Caller, ServiceDep
from credence.service.errors import status_of
from credence.service.inputs import AppealIn, RepairIn
from credence.service.routers import subjects as api
from credence.service.routers.subjects import subject_actor
from credence.web.auth import check_form_token, form_token
from credence.web.portal import SubjectPageCaller
from credence.web.render import PRIVATE, PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)
Token = Annotated[str, Form(max_length=64)]
RecordId = Annotated[str, Form(max_length=200)]
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


def appeals_view(service: Service, caller: Caller) -> list[Appeal]:
    return api.my_appeals(service, caller)


def path_forward_view(service: Service, caller: Caller) -> PathForward:
    return api.my_path_forward(service, caller)


class FormRefused(Exception):
    """What a form could not do, with the status the API would answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _submit(model: type[M], fields: Mapping[str, Any], action: Callable[[M], R]) -> R:
    """Validate the form as the API body and run the action; FormRefused says why not."""
    try:
        body = model.model_validate(dict(fields))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise FormRefused(422, problems) from error
    try:
        return action(body)
    except CredenceError as error:
        raise FormRefused(status_of(error)[0], str(error)) from error


def _file_appeal(service: Service, caller: Caller, body: AppealIn) -> Appeal:
    _, code = caller.subject
    by = subject_actor(caller)
    return appeal_acts.file_appeal(service, by, code, body.record_id, body.reason, body.against)


def _apply_for_repair(service: Service, caller: Caller, body: RepairIn) -> Repair:
    _, code = caller.subject
    by = subject_actor(caller)
    return repair_acts.apply_for_repair(service, by, code, body.record_id, body.evidence)


def _form_page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    token = form_token(request)
    return page(request, template, {**context, "token": token}, status_code, private=True)


# ---------------------------------------------------------------- appeals


def _appeals_page(
    request: Request,
    service: Service,
    caller: Caller,
    form: dict[str, str],
    message: str | None = None,
    filed: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "appeals": appeals_view(service, caller),
        "form": form,
        "message": message,
        "filed": filed,
        "json_url": "/portal/appeals.json",
    }
    return _form_page(request, "appeals.html.j2", context, status_code)


@router.get("/portal/appeals", response_class=HTMLResponse)
def appeals(
    request: Request,
    service: ServiceDep,
    caller: SubjectPageCaller,
    record_id: Annotated[str, Query(max_length=200)] = "",
    against: Annotated[str, Query(pattern="^(record|listing)$")] = "record",
    filed: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """My appeals with their deadlines, and the form to file one (from a line of my file)."""
    form = {"record_id": record_id, "against": against, "reason": ""}
    return _appeals_page(request, service, caller, form, filed=filed or None)


@router.post("/portal/appeals", response_model=None)
def file_appeal(
    request: Request,
    service: ServiceDep,
    caller: SubjectPageCaller,
    token: Token = "",
    record_id: RecordId = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    against: Annotated[str, Form(max_length=16)] = "record",
) -> HTMLResponse | RedirectResponse:
    check_form_token(request, token)
    form = {"record_id": record_id.strip(), "against": against, "reason": reason}
    try:
        filed = _submit(AppealIn, form, lambda body: _file_appeal(service, caller, body))
    except FormRefused as refused:
        return _appeals_page(request, service, caller, form, str(refused), None, refused.status)
    return RedirectResponse(f"/portal/appeals?filed={filed.appeal_id}", status_code=303)


@twins.get("/portal/appeals.json", response_model=list[Appeal])
def appeals_json(
    service: ServiceDep, caller: SubjectPageCaller, response: Response
) -> list[Appeal]:
    response.headers.update(PRIVATE)
    return appeals_view(service, caller)


# ---------------------------------------------------------------- path forward and repair


def _path_page(
    request: Request,
    service: Service,
    caller: Caller,
    form: dict[str, str],
    message: str | None = None,
    applied: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "path": path_forward_view(service, caller),
        "form": form,
        "message": message,
        "applied": applied,
        "json_url": "/portal/path-forward.json",
    }
    return _form_page(request, "path_forward.html.j2", context, status_code)


@router.get("/portal/path-forward", response_class=HTMLResponse)
def path_forward(
    request: Request,
    service: ServiceDep,
    caller: SubjectPageCaller,
    applied: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """What expires when, what lifts my grade, and the form to apply for credit repair."""
    form = {"record_id": "", "evidence": ""}
    return _path_page(request, service, caller, form, applied=applied or None)


@router.post("/portal/repairs", response_model=None)
def apply_for_repair(
    request: Request,
    service: ServiceDep,
    caller: SubjectPageCaller,
    token: Token = "",
    record_id: RecordId = "",
    evidence: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse | RedirectResponse:
    check_form_token(request, token)
    form = {"record_id": record_id.strip(), "evidence": evidence}
    try:
        filed = _submit(RepairIn, form, lambda body: _apply_for_repair(service, caller, body))
    except FormRefused as refused:
        return _path_page(request, service, caller, form, str(refused), None, refused.status)
    return RedirectResponse(f"/portal/path-forward?applied={filed.repair_id}", status_code=303)


@twins.get("/portal/path-forward.json", response_model=PathForward)
def path_forward_json(
    service: ServiceDep, caller: SubjectPageCaller, response: Response
) -> PathForward:
    response.headers.update(PRIVATE)
    return path_forward_view(service, caller)
