"""The role matrix, table-driven over every operation of the API's schema: who may call it, and
that every other caller is refused (401 without a key, 403 with the wrong one). A route added
without a row here fails the first test, so the table stays whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, serve

ROLES = ("anonymous", "subject", "relying_party", "operator", "auditor")
# Who may call each path (every method of it); everyone else is refused.
MATRIX: dict[str, tuple[str, ...]] = {
    "/purposes": ROLES,
    "/organisations": ROLES,
    "/organisations/{code}": ROLES,
    "/organisations/{code}/measures": ROLES,
    "/lists/{list_name}": ROLES,
    "/inspections/plans": ROLES,
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
