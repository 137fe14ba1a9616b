"""The role matrix, table-driven over every operation of the API's schema and every page: who
may call it, and that every other caller is refused (401 without a key, 403 with the wrong one).
A route or page added without a row here fails a test, so the tables stay whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, serve
from tests.test_web_support import login_token, page_token, secret_of, serve_web, sign_in

ROLES = ("anonymous", "subject", "relying_party", "operator", "auditor")
# Who may call each path (every method of it); everyone else is refused.
MATRIX: dict[str, tuple[str, ...]] = {
    "/purposes": ROLES,
    "/organisations": ROLES,
    "/organisations/{code}": ROLES,
    "/organisations/{code}/measures": ROLES,
    "/lists/{list_name}": ROLES,
    "/inspections/plans": ROLES,
    "/audit/head": ROLES,
    "/me": ("subject",),
    "/me/who-looked": ("subject",),
    "/me/export": ("subject",),
    "/me/path-forward": ("subject",),
    "/me/appeals": ("subject",),
    "/me/link-disputes": ("subject",),
    "/me/repairs": ("subject",),
    "/me/disclosures": ("subject",),
    "/me/disclosures/{purpose}": ("subject",),
    "/relying/subjects/{code}": ("relying_party",),
    "/relying/subjects/{code}/measures": ("relying_party",),
    "/operator/dashboard": ("operator",),
    "/operator/quarantine": ("operator",),
    "/operator/sources": ("operator",),
    "/operator/records": ("operator",),
    "/operator/subjects/{code}": ("operator",),
    "/operator/lists/{list_name}": ("operator",),
    "/operator/rescore": ("operator",),
    "/operator/appeals": ("operator",),
    "/operator/appeals/{appeal_id}/decision": ("operator",),
    "/operator/appeals/settle": ("operator",),
    "/operator/repairs": ("operator",),
    "/operator/repairs/{repair_id}/decision": ("operator",),
    "/operator/inspections/plans": ("operator",),
    "/operator/inspections/plans/{plan_id}": ("operator",),
    "/operator/inspections/plans/{plan_id}/publish": ("operator",),
    "/auditor/audit": ("auditor",),
    "/auditor/audit/verify": ("auditor",),
}


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("matrix") / "ws")
    with serve(root) as s:
        yield s


def _operations(served: Served) -> list[tuple[str, str]]:
    spec = served.client.app.openapi()  # type: ignore[attr-defined]
    return [(path, method) for path, ops in spec["paths"].items() for method in ops]


def test_every_operation_has_a_row(served: Served) -> None:
    paths = {path for path, _ in _operations(served)}
    assert paths == set(MATRIX), (
        f"missing rows: {sorted(paths - set(MATRIX))}; stale rows: {sorted(set(MATRIX) - paths)}"
    )


def _headers(served: Served, role: str, person: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    if role == "subject":
        return served.key("subject", person)
    headers = served.key(role)
    if role == "relying_party":
        headers["X-Purpose"] = "credit_assessment"
    return headers


def test_each_role_reaches_its_rows_and_is_refused_elsewhere(served: Served) -> None:
    org = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' ORDER BY 1 LIMIT 1"
    )
    person = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' ORDER BY 1 LIMIT 1"
    )
    values = {"code": org, "list_name": "black", "purpose": "credit_assessment",
              "appeal_id": "no-such-appeal", "repair_id": "no-such-repair",
              "plan_id": "no-such-plan"}  # fmt: skip
    wrong: list[str] = []
    for role in ROLES:
        headers = _headers(served, role, person)
        for path, method in _operations(served):
            url = path.format(**values)
            kwargs: dict[str, Any] = {"headers": headers}
            if method in ("post", "put"):
                kwargs["json"] = {}
            if path == "/organisations":
                kwargs["params"] = {"q": "9"}
            status = served.client.request(method.upper(), url, **kwargs).status_code
            allowed = role in MATRIX[path]
            refused = status in (401, 403)
            if allowed == refused or status >= 500:
                wrong.append(f"{role} {method.upper()} {path}: {status}")
            if not allowed and role == "anonymous" and status != 401:
                wrong.append(f"{role} {method.upper()} {path}: {status}, not 401")
    assert wrong == []


# The pages, as a browser reaches them: subjects and operators signed in through the sign-in
# form (a session), the roles without pages with their key in X-API-Key, as a script would.
PUBLIC_PAGES = ("/", "/index.json", "/lookup", "/lookup.json", "/lookup/{code}",
                "/lookup/{code}.json", "/published/{list_name}", "/published/{list_name}.json",
                "/plans", "/plans.json", "/login", "/logout")  # fmt: skip
PAGE_MATRIX: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(PUBLIC_PAGES, ROLES),
    **dict.fromkeys(
        ("/portal", "/portal.json", "/portal/who-looked", "/portal/who-looked.json",
         "/portal/appeals", "/portal/appeals.json", "/portal/path-forward",
         "/portal/path-forward.json", "/portal/repairs"),
        ("subject",),
    ),
    "/dashboard": ("operator",),
    "/dashboard.json": ("operator",),
}


@pytest.fixture(scope="module")
def site(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("matrix-pages") / "ws")
    with serve_web(root) as s:
        yield s


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):  # an included router, kept whole
            inner = prefix + route.include_context.prefix
            yield from _routes(route.original_router.routes, inner)


def _page_operations(site: Served) -> list[tuple[str, str]]:
    """(path, method) of every page and JSON twin: the routes left out of the API's schema."""
    app_routes = site.client.app.routes  # type: ignore[attr-defined]
    return sorted(
        (path, method.lower())
        for path, route in _routes(app_routes)
        if not route.include_in_schema
        for method in route.methods
        if method != "HEAD"
    )


def test_every_page_has_a_row(site: Served) -> None:
    paths = {path for path, _ in _page_operations(site)}
    assert paths == set(PAGE_MATRIX), (
        f"missing rows: {sorted(paths - set(PAGE_MATRIX))};"
        f" stale rows: {sorted(set(PAGE_MATRIX) - paths)}"
    )


def _as(site: Served, role: str, person: str) -> dict[str, str]:
    """Make the client act as ``role``: a session for the roles with pages, else headers."""
    site.client.cookies.clear()
    if role in ("subject", "operator"):
        sign_in(site, secret_of(site, role, person if role == "subject" else None))
        return {}
    return _headers(site, role, person)


def test_each_role_reaches_its_pages_and_is_refused_elsewhere(site: Served) -> None:
    org = site.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' ORDER BY 1 LIMIT 1"
    )
    person = site.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' ORDER BY 1 LIMIT 1"
    )
    values = {"code": org, "list_name": "black"}
    wrong: list[str] = []
    for role in ROLES:
        for path, method in _page_operations(site):
            if path == "/logout":
                continue  # ends the session: checked last, below
            headers = _as(site, role, person)
            kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
            if method == "post":  # the right form token, so only the role decides
                signed_in = role in ("subject", "operator")
                token = page_token(site) if signed_in else "no-session"
                kwargs["data"] = {"token": login_token(site) if path == "/login" else token}
            answer = site.client.request(method.upper(), path.format(**values), **kwargs)
            allowed = role in PAGE_MATRIX[path]
            refused = answer.status_code in (401, 403)
            if allowed == refused or answer.status_code >= 500:
                wrong.append(f"{role} {method.upper()} {path}: {answer.status_code}")
            if not allowed and role == "anonymous" and answer.status_code != 401:
                wrong.append(f"{role} {method.upper()} {path}: {answer.status_code}, not 401")
        _as(site, role, person)
        token = page_token(site) if role in ("subject", "operator") else "no-session"
        out = site.client.post("/logout", data={"token": token}, follow_redirects=False)
        if out.status_code != 303:
            wrong.append(f"{role} POST /logout: {out.status_code}")
    site.client.cookies.clear()
    assert wrong == []
