"""The operator's dashboard: grades and lists as charts, the quarantine, the appeal and credit
repair queues with their deadlines, and the latest inspection plan.

The view calls the operator API's own endpoint functions, so the page reads exactly what
``/operator/...`` gives and leaves the same audit entries (a look at the quarantine or a queue).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from pydantic import BaseModel

from credence.inspection.models import InspectionPlan
from credence.rights.models import Appeal, Repair
from credence.service.context import Service
from credence.service.deps import Caller, ServiceDep
from credence.service.routers import inspections, operator, queues
from credence.service.schemas import Dashboard, QuarantineRow
from credence.web.auth import caller_of_role
from credence.web.charts import bar_chart
from credence.web.render import PRIVATE, PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)
QUEUE_ROWS = 50
QUARANTINE_ROWS = 12
KIND_WORDS = {"person": "people", "organization": "organisations"}


class DashboardView(BaseModel):
    """Everything the dashboard shows, as its JSON twin gives it."""

    summary: Dashboard
    quarantine: list[QuarantineRow]
    appeals: list[Appeal]
    repairs: list[Repair]
    plan: InspectionPlan | None


def operator_caller(request: Request, service: ServiceDep) -> Caller:
    return caller_of_role(request, service, "operator")


OperatorPageCaller = Annotated[Caller, Depends(operator_caller)]


def dashboard_view(service: Service, caller: Caller) -> DashboardView:
    latest = inspections.plans(service, caller, 1, 0)
    return DashboardView(
        summary=operator.operator_dashboard(service, caller),
        quarantine=operator.operator_quarantine(service, caller, None, QUARANTINE_ROWS, 0),
        appeals=queues.appeal_queue(service, caller, "open", QUEUE_ROWS, 0),
        repairs=queues.repair_queue(service, caller, "open", QUEUE_ROWS, 0),
        plan=latest[0] if latest else None,
    )


def charts(summary: Dashboard) -> list[tuple[str, Markup]]:
    """(title, chart): grades per subject kind, and listings by list, kind and state."""
    drawn = []
    for kind, bands in summary.grades.items():
        title = f"{KIND_WORDS.get(kind, kind).capitalize()} by grade"
        bars = [(f"grade {grade}" if grade != "not scored" else grade, n) for grade, n in bands]
        drawn.append((title, bar_chart(f"grades-{kind}", title, bars)))
    title = "Subjects listed, by list, kind and state"
    bars = [
        (f"{name} · {KIND_WORDS.get(kind, kind)} · {state}", n)
        for name, kind, state, n in summary.lists
    ]
    drawn.append((title, bar_chart("lists", title, bars)))
    return drawn


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, service: ServiceDep, caller: OperatorPageCaller) -> HTMLResponse:
    view = dashboard_view(service, caller)
    context = {
        "view": view,
        "charts": charts(view.summary),
        "today": service.today(),
        "json_url": "/dashboard.json",
    }
    return page(request, "dashboard.html.j2", context, private=True)


@twins.get("/dashboard.json", response_model=DashboardView)
def dashboard_json(
    service: ServiceDep, caller: OperatorPageCaller, response: Response
) -> DashboardView:
    response.headers.update(PRIVATE)
    return dashboard_view(service, caller)
