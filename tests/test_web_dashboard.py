"""The operator dashboard: needs an operator key, draws its charts on the server, shows the queues
with their deadlines and the inspection plan, and equals its twin and the operator API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from credence.identifiers import mask
from credence.web.charts import bar_chart
from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, negative_line
from tests.test_web_support import secret_of, serve_web, sign_in, text_of


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("web-dashboard") / "ws")
    with serve_web(root) as s:
        person, record = negative_line(s, "person")
        subject = s.key("subject", person)
        filed = s.client.post(
            "/me/appeals", headers=subject, json={"record_id": record, "reason": "Not <mine>"}
        )
        assert filed.status_code == 201
        plan = s.client.post(
            "/operator/inspections/plans",
            headers=s.key("operator"),
            json={"size": 4, "seed": 9, "inspectors": ["Wu", "Li <b>"]},
        )
        assert plan.status_code == 201
        yield s


@pytest.fixture
def operator(served: Served) -> Iterator[dict[str, str]]:
    headers = served.key("operator", label="night shift")
    served.client.cookies.clear()
    sign_in(served, headers["X-API-Key"])
    yield headers
    served.client.cookies.clear()


def test_the_dashboard_needs_an_operator_key(served: Served) -> None:
    served.client.cookies.clear()
    answer = served.client.get("/dashboard")
    assert answer.status_code == 401 and "operator role" in text_of(answer.text)
    assert served.client.get("/dashboard.json").status_code == 401
    person, _ = negative_line(served, "person")
    subject = secret_of(served, "subject", person)
    refused = served.client.get("/dashboard", headers={"X-API-Key": subject})
    assert refused.status_code == 403
    assert "this page needs an operator key; the key given is a subject key" in text_of(
        refused.text
    )
    assert served.client.get("/dashboard.json", headers={"X-API-Key": subject}).status_code == 403
    assert served.client.get("/dashboard", headers={"X-API-Key": "crd_x_y"}).status_code == 401


def test_the_dashboard_equals_its_twin_and_the_operator_api(
    served: Served, operator: dict[str, str]
) -> None:
    twin = served.client.get("/dashboard.json")
    assert twin.status_code == 200 and twin.headers["cache-control"] == "no-store"
    view = twin.json()
    api = served.client.get
    assert view["summary"] == api("/operator/dashboard", headers=operator).json()
    assert view["appeals"] == api("/operator/appeals", headers=operator).json()
    assert view["repairs"] == api("/operator/repairs", headers=operator).json()
    quarantine = api("/operator/quarantine", headers=operator, params={"limit": 12}).json()
    assert view["quarantine"] == quarantine and quarantine
    plans = api("/operator/inspections/plans", headers=operator).json()
    assert view["plan"] == plans[0]


def test_the_dashboard_page_shows_charts_queues_and_plan(
    served: Served, operator: dict[str, str]
) -> None:
    answer = served.client.get("/dashboard")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    page = answer.text
    view = served.client.get("/dashboard.json").json()
    assert page.count('<svg class="chart"') == 3 and "<script" not in page
    text = text_of(page)
    for kind, bands in view["summary"]["grades"].items():
        for grade, count in bands:
            label = grade if grade == "not scored" else f"grade {grade}"
            assert f"{label} {count:,}" in text, (kind, grade)
    for name, kind, state, count in view["summary"]["lists"]:
        words = {"person": "people", "organization": "organisations"}[kind]
        assert f"{name} · {words} · {state} {count:,}" in text
    (appeal,) = view["appeals"]
    assert appeal["appeal_id"] in text and f"{appeal['decide_by']} 20 day(s) left" in text
    assert "Not &lt;mine&gt;" in page
    for row in view["quarantine"][:5]:
        assert f"{row['file'].rsplit('/', 1)[-1]}:{row['row_number']} {row['reason']}" in text
    for item in view["plan"]["items"]:
        assert item["inspector"] in text and f'href="/lookup/{item["subject_code"]}"' in page
    assert "Li &lt;b&gt;" in page
    person = served.one("SELECT subject_code FROM appeals LIMIT 1")
    assert person not in page and mask(person) in page  # the operator sees people masked


def test_overdue_appeals_are_marked(served: Served, operator: dict[str, str]) -> None:
    served.clock.day += timedelta(days=25)
    try:
        text = text_of(served.client.get("/dashboard").text)
    finally:
        served.clock.day -= timedelta(days=25)
    assert "1 overdue" in text and "5 day(s) overdue" in text


def test_a_dashboard_read_is_audited_as_the_operator_api_is(
    served: Served, operator: dict[str, str]
) -> None:
    before = served.one("SELECT COUNT(*) FROM audit_log")
    served.client.get("/dashboard")
    by_page = served.query(
        "SELECT actor, action, purpose FROM audit_log WHERE seq > ? ORDER BY seq", [before]
    )
    assert sorted(a for _, a, _ in by_page) == ["appeals.read", "quarantine.read"]
    assert {(actor, purpose) for actor, _, purpose in by_page} == {
        (operator["X-API-Key"].split("_")[1], "operations")
    }


def test_bar_chart_scales_its_bars_and_escapes_its_labels() -> None:
    svg = str(bar_chart("c1", "Grades <all>", [("A & B", 50), ("<C>", 100), ("D", 0)]))
    widths = [float(w) for w in re.findall(r'class="chart-bar"[^>]* width="([0-9.]+)"', svg)]
    assert widths == [125.0, 250.0, 0.0]
    assert "A &amp; B" in svg and "&lt;C&gt;" in svg and "<C>" not in svg
    assert '<title id="c1-title">Grades &lt;all&gt;</title>' in svg
    assert "A &amp; B: 50, &lt;C&gt;: 100, D: 0" in svg
    empty = str(bar_chart("c2", "Nothing", []))
    assert "no data" in empty and "chart-bar" not in empty
