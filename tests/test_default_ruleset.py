"""The published default ruleset: complete, within every safeguard, and at work on a city."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_file
from credence.model import LEGAL_DECISION_CATEGORIES, is_forbidden_category
from credence.rules.duration import FIVE_YEARS, SEVERITY_LIMITS
from credence.rules.explain import explain
from credence.rules.loader import default_ruleset_path, inspect_ruleset, load_ruleset
from credence.rules.spec import Ruleset, subject_kinds
from credence.rules.validate import check_ruleset
from credence.runs.score import score_workspace
from credence.runs.subject_file import subject_records
from credence.store import Workspace
from credence.synth import CityManifest, generate_city
from credence.synth.kinds import KIND_CATEGORIES
from tests.results_sql import at_run

DAY = date(2026, 6, 30)
PATH = default_ruleset_path("credence-default")
# The forms a Chinese statute's English name takes; no article numbers (they would be invented).
STATUTE = re.compile(
    r"^(?=[A-Z])[A-Za-z'(), -]*\b(Law|Code|Regulations|Measures|Provisions)\b[A-Za-z'(), -]*$"
)


@pytest.fixture(scope="module")
def default() -> Ruleset:
    return load_ruleset(PATH)


def test_shape(default: Ruleset) -> None:
    assert (default.ruleset, default.version, default.base_points) == (
        "credence-default", "2027.1", 1000,
    )  # fmt: skip
    assert [(g.grade, g.min) for g in default.grades.person] == [
        ("AAA", 1050), ("AA", 1030), ("A", 960), ("B", 850), ("C", 600), ("D", None),
    ]  # fmt: skip
    assert [(g.grade, g.min) for g in default.grades.organization] == [
        ("1", 1030), ("2", 960), ("3", 850), ("4", None),
    ]  # fmt: skip
    assert len(default.ratings) == 30
    assert len(default.requirements()) >= 300
    streams = Counter(r.stream for r in default.ratings)
    assert set(streams) == {"administrative", "commercial", "social", "judicial"}
    assert min(streams.values()) >= 3
    pairs = default.requirements()
    reached = Counter(k for rating, req in pairs for k in subject_kinds(rating, req))
    assert reached["person"] >= 100 and reached["organization"] >= 150
    assert sum(req.points > 0 for _r, req in default.requirements()) >= 50


def test_validator_and_cli_find_nothing(default: Ruleset) -> None:
    assert check_ruleset(default) == ([], [])
    report = inspect_ruleset(PATH)  # the loader adds file and line checks
    assert report.ok and report.warnings == []
    result = CliRunner().invoke(app, ["rules", "validate", str(PATH)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output


def test_every_requirement_is_explained_and_expires(default: Ruleset) -> None:
    for rating, req in default.requirements():
        assert req.legal_basis and STATUTE.match(req.legal_basis), (req.id, req.legal_basis)
        assert not re.search(r"\d|Article", req.legal_basis), req.id
        assert req.description and req.category, req.id
        assert not is_forbidden_category(req.category), req.id
        assert req.valid_for is not None and req.valid_for <= FIVE_YEARS, req.id
        assert req.cap is not None, req.id
        if req.severity is not None:
            assert req.valid_for <= SEVERITY_LIMITS[req.severity], req.id
        if req.lists:
            assert req.points < 0 and req.category in LEGAL_DECISION_CATEGORIES, req.id
            assert req.category == "court_judgment" or req.severity == "serious", req.id
        assert rating.legal_basis and rating.description, rating.id
    black = {req.category for _r, req in default.requirements() if req.lists}
    assert black == {"court_judgment", "admin_penalty"}
    severities = Counter(req.severity for _r, req in default.requirements())
    assert min(severities[s] for s in ("minor", "general", "serious")) >= 10


def test_the_brief_is_covered(default: Ruleset) -> None:
    """The areas the default ruleset must rate, each by the kinds that record it."""
    kinds = {kind for _r, req in default.requirements() for kind in req.when.kind.exact() or ()}
    areas = {
        "tax filing": "tax.filing.", "tax payment": "tax.payment.",
        "social insurance": "social_insurance.contribution.", "wages": "labor.wage.",
        "loans": "loan.repayment.", "utilities": "utility.payment.",
        "contracts": "commerce.contract.", "product quality": "quality.product.",
        "food safety": "food.", "environment": "env.", "work safety": "safety.",
        "administrative penalties": "market.penalty.", "annual reports": "market.annual_report.",
        "licences": "market.licence.", "intellectual property": "ip.",
        "fraud": "court.criminal.fraud", "judgments": "court.judgment.",
        "fulfilment": "court.enforcement.", "traffic": "traffic.violation.",
        "awards": "honour.", "volunteering": "volunteer.", "charity": "charity.",
        "blood donation": "blood.donation",
    }  # fmt: skip
    for area, prefix in areas.items():
        assert any(k.startswith(prefix) for k in kinds), area


def test_the_synthetic_city_emits_every_kind_it_uses(default: Ruleset, tmp_path: Path) -> None:
    manifest = generate_city(tmp_path / "city", 60, 12, 1, DAY)
    emitted = {kind: entry for entry in manifest.sources for kind in entry.kinds}
    for _rating, req in default.requirements():
        for kind in req.when.kind.exact() or ():
            assert kind in emitted, f"{req.id}: no source emits {kind}"
            assert KIND_CATEGORIES[kind] == req.category, req.id
            if req.category == "loan":  # lending records come from private sources only
                assert emitted[kind].consent_required, req.id


@pytest.fixture(scope="module")
def scored(
    default: Ruleset, tmp_path_factory: pytest.TempPathFactory
) -> tuple[CityManifest, Workspace]:
    root = tmp_path_factory.mktemp("default-city")
    city = generate_city(root / "city", 800, 200, 4, DAY)
    ws = Workspace.init(root / "ws")
    for entry in city.sources:
        ingest_file(ws, city.path(entry.file), load_mapping(city.path(entry.mapping)))
    score_workspace(ws, default, DAY)
    return city, ws


def _rows(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    con = ws.connect(read_only=True)
    try:
        return con.execute(at_run(con, sql)).fetchall()
    finally:
        con.close()


def test_a_small_city_reaches_every_band_and_both_lists(
    scored: tuple[CityManifest, Workspace],
) -> None:
    _city, ws = scored
    grades = dict(
        _rows(ws, "SELECT subject_kind, list(DISTINCT grade) FROM scores WHERE scored GROUP BY 1")
    )
    assert set(grades["organization"]) == {"1", "2", "3", "4"}
    assert len(grades["person"]) >= 4
    lists = {
        (name, kind)
        for name, kind in _rows(
            ws, "SELECT DISTINCT list_name, subject_kind FROM listings WHERE state = 'published'"
        )
    }
    assert {"black", "red"} <= {name for name, _kind in lists}
    assert ("black", "organization") in lists and ("black", "person") in lists
    ratings = {r for (r,) in _rows(ws, "SELECT DISTINCT rating_id FROM rating_points")}
    assert len(ratings) >= 25  # most ratings already count somewhere in a small city


def test_the_explainer_agrees_on_the_busiest_subjects(
    default: Ruleset, scored: tuple[CityManifest, Workspace]
) -> None:
    _city, ws = scored
    busiest = _rows(
        ws,
        "SELECT s.subject_kind, s.subject_code, s.score, s.grade FROM scores s "
        "JOIN score_lines l USING (subject_kind, subject_code) WHERE s.scored "
        "GROUP BY ALL ORDER BY count(*) DESC, s.subject_code LIMIT 40",
    )
    con = ws.connect(read_only=True)
    try:
        for kind, code, score, grade in busiest:
            ex = explain(default, kind, code, subject_records(con, code), DAY)
            assert (ex.score, ex.grade) == (score, grade), code
    finally:
        con.close()
