"""Bad input never crashes the service: a 4xx with a message saying what was wrong, and a
schemathesis run over the OpenAPI schema (every operation, valid and invalid data) finds no 5xx.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from credence.identifiers import generate_uscc
from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, serve


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("input") / "ws")
    with serve(root) as s:
        yield s


def _error(response: object, status: int, words: str) -> None:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == status, body  # type: ignore[attr-defined]
    assert set(body) == {"error", "message", "details"}
    assert words in body["message"], body["message"]


def test_malformed_and_hostile_bodies_get_a_message(served: Served) -> None:
    person = served.one("SELECT subject_code FROM subjects WHERE subject_kind = 'person' LIMIT 1")
    me = {**served.key("subject", person), "Content-Type": "application/json"}
    post = served.client.post
    _error(post("/me/appeals", headers=me, content=b'{"record_id": "x", '), 422, "not valid JSON")
    _error(post("/me/appeals", headers=me, json={"reason": "why"}), 422, "body.record_id")
    _error(post("/me/appeals", headers=me, content=b'{"record_id": "a", "reason": "\\ud800"}'),
           422, "body.reason")  # fmt: skip
    _error(post("/me/appeals", headers=me, json={"record_id": "a", "reason": "a\x00b"}),
           422, "control characters")  # fmt: skip
    _error(post("/me/appeals", headers=me, json={"record_id": "a", "reason": "x" * 5000}),
           422, "at most 4000")  # fmt: skip
    _error(post("/me/appeals", headers=me, json={"record_id": "nope", "reason": "why"}),
           404, "no record")  # fmt: skip
    ops = served.key("operator")
    _error(post("/operator/inspections/plans", headers=ops, json={"size": 10**30, "seed": 1}),
           422, "body.size")  # fmt: skip
    _error(post("/operator/inspections/plans", headers=ops, json={"size": 5, "seed": -1}),
           422, "body.seed")  # fmt: skip
    huge = {"source": "donghu-market-regulator", "row": {"fine_cny": 1e300}}
    _error(post("/operator/records", headers=ops, json=huge), 422, "body.row")
    _error(post("/operator/records", headers=ops, json={"source": "no-such", "row": {"a": 1}}),
           404, "no registered source")  # fmt: skip
    _error(post("/me/appeals", headers=me, content=b'"' + b"x" * (2 << 20) + b'"'),
           413, "over 1,048,576 bytes")  # fmt: skip
    _error(post("/operator/appeals/A-1/decision", headers=ops,
                json={"decision": "maybe", "reason": "x"}), 422, "body.decision")  # fmt: skip


def test_bad_codes_dates_numbers_and_purposes_get_a_message(served: Served) -> None:
    get = served.client.get
    _error(get("/organisations/91000000000000000X"), 422, "neither a valid")
    _error(get("/organisations/not-a-code"), 422, "neither a valid")
    unknown = generate_uscc(random.Random(12345))
    _error(get(f"/organisations/{unknown}"), 404, "no organisation")
    _error(get("/lists/purple"), 404, "no list")
    _error(get("/lists/black", params={"page": 10**30}), 422, "query.page")
    _error(get("/lists/black", params={"per_page": 100000}), 422, "query.per_page")
    _error(get("/lists/black", params={"format": "xml"}), 422, "query.format")
    _error(get("/organisations", params={"q": "a\x01"}), 422, "control characters")
    person = served.one("SELECT subject_code FROM scores WHERE subject_kind = 'person' LIMIT 1")
    me = served.key("subject", person)
    _error(get("/me", headers=me, params={"as_of": "2026-13-45"}), 422, "query.as_of")
    _error(get("/me", headers=me, params={"as_of": "2999-01-01"}), 422, "as_of must be between")
    _error(get("/me", headers=me, params={"as_of": "1900-01-01"}), 422, "as_of must be between")
    bank = served.key("relying_party")
    _error(get(f"/relying/subjects/{person}", headers={**bank, "X-Purpose": "gossip"}),
           422, "unknown purpose")  # fmt: skip
    _error(get(f"/organisations/{unknown}/measures", params={"purpose": "gossip"}),
           422, "unknown purpose")  # fmt: skip
    _error(get("/auditor/audit/verify", headers=served.key("auditor"),
               params={"expect_head": "zz"}), 422, "query.expect_head")  # fmt: skip


ROLE_OF_PREFIX = (("/me", "subject"), ("/relying", "relying_party"), ("/operator", "operator"),
                  ("/auditor", "auditor"))  # fmt: skip


def _fuzz(
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    headers: dict[str, str],
    failures: list[str],
) -> None:
    """Call one operation with generated requests; note every answer of 500 or more."""

    @settings(max_examples=6, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path}: {response.text[:300]}")

    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # an operation without inputs has nothing to make invalid, and only that


@pytest.mark.slow
def test_schemathesis_finds_no_server_error(served: Served) -> None:
    person = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND scored LIMIT 1"
    )
    keys = {
        "subject": served.key("subject", person),
        "relying_party": served.key("relying_party"),
        "operator": served.key("operator"),
        "auditor": served.key("auditor"),
    }
    schema = schemathesis.openapi.from_asgi("/openapi.json", served.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures: list[str] = []
    for operation in operations:
        role = next((r for p, r in ROLE_OF_PREFIX if operation.path.startswith(p)), None)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, keys[role] if role else {}, failures)
    assert failures == []
