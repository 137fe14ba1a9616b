"""The shipped starter ruleset: complete, explainable, and within every safeguard."""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
import yaml

from credence.model import LEGAL_DECISION_CATEGORIES, is_forbidden_category
from credence.rules.duration import FIVE_YEARS, SEVERITY_LIMITS
from credence.rules.loader import inspect_ruleset
from credence.rules.spec import Ruleset, subject_kinds
from credence.rules.validate import check_ruleset, requirements_disjoint
from credence.synth.catalog import SOURCES
from credence.synth.kinds import KIND_CATEGORIES

STARTER = resources.files("credence.rules") / "default" / "starter.yaml"
STATUTES = (
    "Law of the PRC on the Administration of Tax Collection",
    "Administrative Penalty Law",
    "Product Quality Law",
    "Interim Regulations on Enterprise Information Disclosure",
    "Environmental Protection Law",
    "Food Safety Law",
    "Labor Contract Law",
    "Social Insurance Law",
    "Road Traffic Safety Law",
    "Civil Procedure Law",
    "Civil Code",
    "Regulations on the Administration of Credit Reporting Industry",
    "Regulations on Volunteer Service",
    "Charity Law",
    "Blood Donation Law",
)


@pytest.fixture(scope="module")
def starter() -> Ruleset:
    return Ruleset.model_validate(yaml.safe_load(STARTER.read_text(encoding="utf-8")))


def test_shape_of_the_starter(starter: Ruleset) -> None:
    assert (starter.ruleset, starter.base_points) == ("credence-starter", 1000)
    assert [g.grade for g in starter.grades.person] == ["AAA", "AA", "A", "B", "C", "D"]
    assert [g.grade for g in starter.grades.organization] == ["1", "2", "3", "4"]
    assert len(starter.ratings) >= 8
    assert {r.stream for r in starter.ratings} == {
        "administrative", "commercial", "social", "judicial",
    }
    kinds = Counter(k for r in starter.ratings for k in r.applies_to)
    assert kinds["person"] >= 4 and kinds["organization"] >= 4
    assert 25 <= len(starter.requirements()) <= 40
    assert sum(req.points > 0 for _r, req in starter.requirements()) >= 6


def test_lists_and_measures(starter: Ruleset) -> None:
    black, red = starter.lists.black, starter.lists.red
    assert black is not None and red is not None
    assert (black.notice_days, black.duration.iso()) == (10, "P2Y")
    assert black.measures and all(
        (m := starter.measure(i)) is not None and m.is_restrictive() for i in black.measures
    )
    assert red.min_grade == {"person": "AAA", "organization": "1"} and red.clean_years == 3
    assert red.measures and not any(
        (m := starter.measure(i)) is None or m.is_restrictive() for i in red.measures
    )
    assert all(m.effect and len(m.legal_basis) > 10 for m in starter.measures)


def test_every_requirement_is_explainable_and_expires(starter: Ruleset) -> None:
    for rating, req in starter.requirements():
        assert req.category and not is_forbidden_category(req.category), req.id
        assert req.legal_basis in STATUTES, req.id
        assert req.valid_for is not None and req.valid_for <= FIVE_YEARS, req.id
        assert req.cap is not None, req.id
        if req.severity is not None:
            assert req.points < 0 and req.valid_for <= SEVERITY_LIMITS[req.severity], req.id
        if req.lists:
            assert req.points < 0 and req.category in LEGAL_DECISION_CATEGORIES, req.id
            assert req.category == "court_judgment" or req.severity == "serious", req.id
        assert set(subject_kinds(rating, req)), req.id
        for name in [*req.when.attributes, *(req.when.kind.exact() or ())]:
            assert not any(is_forbidden_category(part) for part in name.split(".")), req.id
    severities = Counter(req.severity for _r, req in starter.requirements())
    assert severities["minor"] and severities["general"] and severities["serious"]
    black = {req.id for _r, req in starter.requirements() if req.lists}
    assert {"COURT-JUDGMENT-UNFULFILLED", "ENV-PENALTY-SERIOUS", "FOOD-PENALTY-SERIOUS"} <= black


def test_one_record_one_penalty(starter: Ruleset) -> None:
    pairs = starter.requirements()
    for i, (rating_a, a) in enumerate(pairs):
        for rating_b, b in pairs[i + 1 :]:
            assert requirements_disjoint(rating_a, a, rating_b, b), (a.id, b.id)


def test_validator_finds_nothing(starter: Ruleset) -> None:
    assert check_ruleset(starter) == ([], [])
    report = inspect_ruleset(Path(str(STARTER)))  # the loader adds file and line checks
    assert report.ok and report.warnings == []


def test_synthetic_sources_emit_every_kind_with_its_category(starter: Ruleset) -> None:
    emitted = {kind for spec in SOURCES for kind in spec.kinds()}
    for _rating, req in starter.requirements():
        for kind in req.when.kind.exact() or ():
            assert kind in emitted, req.id
            assert KIND_CATEGORIES[kind] == req.category, req.id
