"""The safeguards validator: one fixture per safeguard, the overlap check, ``rules validate``."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from credence.cli.rules_cmd import register
from credence.rules.loader import inspect_ruleset, inspect_ruleset_text, load_ruleset
from credence.rules.spec import (
    Compare,
    KindMatch,
    Rating,
    Requirement,
    When,
    subject_kinds,
)
from credence.rules.validate import (
    check_ruleset,
    compares_disjoint,
    kinds_disjoint,
    requirements_disjoint,
)

FIXTURES = Path(__file__).parent / "fixtures" / "rulesets"

# fixture, where (inside the ruleset), a fragment of the message
SAFEGUARDS = [
    ("forbidden_category.yaml", "ratings[tax].requirements[TAX-DONATION].category",
     "'religion' is a forbidden data category"),
    ("forbidden_kind.yaml", "ratings[tax].requirements[GATHERING].when.kind",
     "names a forbidden data category ('religious_gathering')"),
    ("forbidden_attribute.yaml",
     "ratings[tax].requirements[TAX-AUDIT].when.attributes.health_status",
     "attribute 'health_status' names a forbidden data category"),
    ("no_expiry.yaml", "ratings[tax].requirements[TAX-LATE].valid_for",
     "a negative requirement must expire"),
    ("too_long.yaml", "ratings[tax].requirements[TAX-LATE].valid_for",
     "P5Y1M is longer than five years"),
    ("too_long_positive.yaml", "ratings[tax].requirements[TAX-ON-TIME].valid_for",
     "P6Y is longer than five years"),
    ("overlap.yaml", "ratings[tax].requirements[TAX-LATE].when",
     "can match the same record as ratings[filing].requirements[TAX-ANY-FILING]"),
    ("black_not_legal.yaml", "ratings[tax].requirements[TAX-LATE].lists",
     "rests only on a legal decision"),
    ("black_admin_general.yaml", "ratings[tax].requirements[ADMIN-FINE].lists",
     "severity general"),
    ("black_undefined.yaml", "ratings[tax].requirements[COURT-UNPAID].lists",
     "defines no lists.black"),
    ("black_positive.yaml", "ratings[tax].requirements[COURT-PAID].lists",
     "black-list requirements must be negative"),
    ("consent_kind.yaml", "ratings[tax].requirements[CONSENTED].when.kind",
     "can match consent.* records"),
    ("duplicate_ids.yaml", "ratings[tax].requirements[TAX-LATE].id",
     "requirement id 'TAX-LATE' used 2 times (ratings tax, arrears)"),
    ("applies_to.yaml", "ratings[environment].requirements[ENV-DUMPING].applies_to",
     "person not in the rating's applies_to (organization)"),
    ("severity_positive.yaml", "ratings[tax].requirements[TAX-ON-TIME].severity",
     "this one gives +2 points"),
    ("grades_order.yaml", "grades.person[B].min", "min 1000 must be below the band above"),
    ("grades_last_min.yaml", "grades.organization[2].min", "the last band"),
    ("grades_duplicate.yaml", "grades.person[A].grade", "grade name 'A' used 2 times"),
    ("red_unknown_grade.yaml", "lists.red.min_grade.person", "no person grade 'AAA'"),
    ("unknown_measure.yaml", "lists.black.measures", "unknown measure 'travel-ban'"),
    ("restrictive_on_grade.yaml", "grades.person[B].measures",
     "'procurement-exclusion' is restrictive"),
    ("restrictive_on_red.yaml", "lists.red.measures", "never to the red list"),
    ("amount_text.yaml", "ratings[tax].requirements[TAX-ARREARS].when.amount",
     "amount compares numbers only"),
]


@pytest.mark.parametrize(("name", "where", "fragment"), SAFEGUARDS)
def test_each_safeguard_reports_its_problem(name: str, where: str, fragment: str) -> None:
    report = inspect_ruleset(FIXTURES / name)
    assert report.ruleset is not None, report.errors
    assert len(report.errors) == 1, report.errors
    problem = report.errors[0]
    assert problem.where.startswith(f"{FIXTURES / name}:")
    assert problem.where.endswith(f" {where}")
    assert fragment in problem.message


@pytest.mark.parametrize("name", ["valid.yaml", "amount_split.yaml"])
def test_valid_fixtures_have_no_problem(name: str) -> None:
    report = inspect_ruleset(FIXTURES / name)
    assert report.ok and report.errors == [] and report.warnings == []


def test_check_ruleset_names_rating_requirement_and_field() -> None:
    ruleset = load_ruleset(FIXTURES / "design.yaml")
    errors, warnings = check_ruleset(ruleset)
    assert errors == []
    assert [(w.where, w.message.split(":")[0]) for w in warnings] == [
        ("ratings[tax-compliance].requirements[TAX-EVASION].legal_basis",
         "no legal basis on the requirement or its rating"),
        ("ratings[tax-compliance].requirements[TAX-EVASION].cap",
         "negative requirement without cap"),
    ]


def test_warnings_do_not_make_a_ruleset_invalid() -> None:
    report = inspect_ruleset(FIXTURES / "warnings.yaml")
    assert report.ok
    found = sorted(w.where.split(" ", 1)[1] for w in report.warnings)
    assert found == [
        "measures[public-praise]",
        "ratings[environment].requirements[ENV-DUMPING].cap",
        "ratings[environment].requirements[ENV-DUMPING].legal_basis",
    ]


def test_five_years_exactly_is_allowed_and_a_day_more_is_not() -> None:
    text = (FIXTURES / "valid.yaml").read_text(encoding="utf-8")
    assert inspect_ruleset_text(text.replace("P3Y", "P5Y"), "five.yaml").errors == []
    longer = inspect_ruleset_text(text.replace("P3Y", "P5Y1D"), "five.yaml")
    assert [p.message for p in longer.errors] == [
        "P5Y1D is longer than five years (P5Y): no record counts longer"
    ]


def test_zero_validity_and_exact_consent_kinds_are_refused() -> None:
    text = (FIXTURES / "valid.yaml").read_text(encoding="utf-8")
    zero = inspect_ruleset_text(text.replace("P3Y", "P0D"), "zero.yaml")
    assert [(p.where, p.message) for p in zero.errors] == [
        ("zero.yaml:18 ratings[tax].requirements[TAX-LATE].valid_for",
         "valid_for must be longer than zero")
    ]
    consent = inspect_ruleset_text(text.replace("tax.filing.late", "consent.withdrawn"), "c.yaml")
    assert [p.where for p in consent.errors] == [
        "c.yaml:15 ratings[tax].requirements[TAX-LATE].when.kind"
    ]
    assert "'consent.withdrawn' can match consent.* records" in consent.errors[0].message


def test_serious_admin_penalty_may_black_list() -> None:
    text = (FIXTURES / "black_admin_general.yaml").read_text(encoding="utf-8")
    report = inspect_ruleset_text(text.replace("severity: general", "severity: serious"), "s")
    assert report.errors == []


# --- the overlap check -------------------------------------------------------------------


def _req(kind: dict[str, Any] | str, **when: Any) -> Requirement:
    return Requirement.model_validate(
        {"id": "R", "when": {"kind": kind, **when}, "points": -1, "valid_for": "P1Y",
         "category": "tax"}
    )


def _cmp(**ops: Any) -> Compare:
    return Compare.model_validate({k.rstrip("_"): v for k, v in ops.items()})


@pytest.mark.parametrize(
    ("a", "b", "disjoint"),
    [
        ({"eq": "tax.late"}, {"eq": "tax.late"}, False),
        ({"eq": "tax.late"}, {"in": ["tax.arrears", "tax.fraud"]}, True),
        ({"in": ["tax.late", "tax.fraud"]}, {"in": ["tax.fraud"]}, False),
        ({"prefix": "tax."}, {"eq": "tax.late"}, False),
        ({"prefix": "tax.l"}, {"in": ["tax.arrears", "court.fine"]}, True),
        ({"prefix": "tax"}, {"prefix": "tax.late"}, False),
        ({"prefix": "tax."}, {"prefix": "court."}, True),
        ({"prefix": "tax.a"}, {"prefix": "tax.b"}, True),
    ],
)
def test_kinds_disjoint(a: dict[str, Any], b: dict[str, Any], disjoint: bool) -> None:
    ka, kb = KindMatch.model_validate(a), KindMatch.model_validate(b)
    assert kinds_disjoint(ka, kb) is disjoint
    assert kinds_disjoint(kb, ka) is disjoint


@pytest.mark.parametrize(
    ("a", "b", "disjoint"),
    [
        ({"lt": 1000}, {"gte": 1000}, True),
        ({"lte": 1000}, {"gte": 1000}, False),
        ({"lt": 1000}, {"gt": 999.5}, False),
        ({"gt": 5, "lt": 10}, {"gte": 10}, True),
        ({"eq": 5}, {"gt": 10}, True),
        ({"eq": 5}, {"in": [4, 5]}, False),
        ({"in": [1, 2]}, {"in": [3, 4]}, True),
        ({"in": [1, 2]}, {"gt": 1, "lt": 2}, True),
        ({"eq": 5}, {"eq": 5.0}, False),
        ({"eq": 5}, {"eq": "5"}, False),
        ({"eq": 5}, {"ne": 5}, False),
        ({"ne": 1}, {"ne": 2}, False),
        ({"eq": "paid"}, {"eq": "unpaid"}, True),
        ({"eq": "paid"}, {"eq": "PAID"}, False),
        ({"prefix": "ab"}, {"prefix": "ac"}, True),
        ({"prefix": "ab"}, {"prefix": "a"}, False),
        ({"prefix": "ab"}, {"eq": "abc"}, False),
        ({"prefix": "ab"}, {"in": ["b", "ac"]}, True),
        ({"prefix": "ab"}, {"gt": 3}, False),
    ],
)
def test_compares_disjoint(a: dict[str, Any], b: dict[str, Any], disjoint: bool) -> None:
    ca, cb = _cmp(**a), _cmp(**b)
    assert compares_disjoint(ca, cb) is disjoint
    assert compares_disjoint(cb, ca) is disjoint


def test_requirements_disjoint_by_subject_kind_and_attribute() -> None:
    people = Rating(id="p", stream="social", applies_to=["person"], requirements=[_req("x.y")])
    orgs = Rating(id="o", stream="social", applies_to=["organization"], requirements=[_req("x.y")])
    both = Rating(id="b", stream="social", applies_to=["person", "organization"],
                  requirements=[_req("x.y")])
    plain = _req("x.y")
    assert requirements_disjoint(people, plain, orgs, plain)
    assert not requirements_disjoint(people, plain, both, plain)
    paid = _req("x.y", attributes={"status": "paid"})
    unpaid = _req("x.y", attributes={"status": {"in": ["unpaid", "partial"]}})
    assert requirements_disjoint(both, paid, both, unpaid)
    # A condition on an attribute the other one does not name proves nothing.
    other = _req("x.y", attributes={"court": "high"})
    assert not requirements_disjoint(both, paid, both, other)


# --- a property: what the checker calls disjoint, no record matches twice ---------------

KINDS = ["a", "a.b", "a.bc", "a.c", "b.a", "ab.c"]
PREFIXES = ["a", "a.", "a.b", "b", "ab"]
NUMBERS = [-1, 0, 1, 2, 2.5, 5]
SCALARS = [*NUMBERS, 1.0, "a", "ab", "b", "1", True, False]
OPS = ["eq", "ne", "in", "gt", "gte", "lt", "lte", "prefix"]

kind_matchers = st.one_of(
    st.sampled_from(KINDS).map(lambda k: {"eq": k}),
    st.lists(st.sampled_from(KINDS), min_size=1, max_size=3).map(lambda ks: {"in": ks}),
    st.sampled_from(PREFIXES).map(lambda p: {"prefix": p}),
).map(KindMatch.model_validate)


@st.composite
def compares(draw: st.DrawFn, numeric: bool) -> Compare:
    ops = draw(st.lists(st.sampled_from(OPS[:-1] if numeric else OPS), min_size=1, max_size=3,
                        unique=True))
    values = st.sampled_from(NUMBERS if numeric else SCALARS)
    data: dict[str, Any] = {}
    for op in ops:
        if op in ("eq", "ne"):
            data[op] = draw(values)
        elif op == "in":
            data[op] = draw(st.lists(values, min_size=1, max_size=3))
        elif op == "prefix":
            data[op] = draw(st.sampled_from(["a", "ab", "b"]))
        else:
            data[op] = draw(st.sampled_from(NUMBERS))
    return Compare.model_validate(data)


@st.composite
def conditions(draw: st.DrawFn) -> tuple[Rating, Requirement]:
    rating_kinds = draw(st.lists(st.sampled_from(["person", "organization"]), min_size=1,
                                 unique=True))
    own = draw(st.none() | st.lists(st.sampled_from(["person", "organization"]), min_size=1,
                                    unique=True))
    when = When(
        kind=draw(kind_matchers),
        amount=draw(st.none() | compares(numeric=True)),
        attributes=draw(st.dictionaries(st.sampled_from(["x", "y"]), compares(numeric=False),
                                        max_size=2)),
    )
    req = Requirement(id="R", when=when, points=-1, valid_for="P1Y", category="tax",
                      applies_to=own)
    rating = Rating(id="r", stream="administrative", applies_to=rating_kinds, requirements=[req])
    return rating, req


def _holds(compare: Compare | None, value: Any) -> bool:
    """Plain Python semantics: a missing value matches nothing that is constrained."""
    if compare is None:
        return True
    if value is None:
        return False
    number = isinstance(value, int | float) and not isinstance(value, bool)
    for op, target in compare.operators().items():
        ok = {
            "eq": lambda t: value == t,
            "ne": lambda t: value != t,
            "in": lambda t: value in t,
            "prefix": lambda t: isinstance(value, str) and value.startswith(t),
            "gt": lambda t: number and value > t,
            "gte": lambda t: number and value >= t,
            "lt": lambda t: number and value < t,
            "lte": lambda t: number and value <= t,
        }[op](target)
        if not ok:
            return False
    return True


def _matches(rating: Rating, req: Requirement, record: dict[str, Any]) -> bool:
    when = req.when
    return (
        record["subject_kind"] in subject_kinds(rating, req)
        and when.kind.matches(record["kind"])
        and _holds(when.amount, record["amount"])
        and all(_holds(c, record["attributes"].get(n)) for n, c in when.attributes.items())
    )


def _candidates(*compares: Compare | None) -> list[Any]:
    """Values worth trying: every constant, numbers around and between them, and some junk."""
    values: list[Any] = [None, *SCALARS, "zz", 1e9, -1e9]
    for c in compares:
        for target in c.operators().values() if c is not None else ():
            for v in target if isinstance(target, list) else [target]:
                values.append(v)
                if isinstance(v, str):
                    values.append(v + "z")
    numbers = sorted({float(v) for v in values if isinstance(v, int | float)})
    values += [(x + y) / 2 for x, y in itertools.pairwise(numbers)]
    values += [n + d for n in numbers for d in (-0.5, 0.5)]
    return values


def _witness(ca: Compare | None, cb: Compare | None) -> tuple[bool, Any]:
    for value in _candidates(ca, cb):
        if _holds(ca, value) and _holds(cb, value):
            return True, value
    return False, None


@settings(max_examples=600, deadline=None)
@given(compares(numeric=False), compares(numeric=False))
def test_disjoint_comparisons_share_no_value(a: Compare, b: Compare) -> None:
    if compares_disjoint(a, b):
        found, value = _witness(a, b)
        assert not found, f"called disjoint, yet {value!r} satisfies both"


@settings(max_examples=300, deadline=None)
@given(conditions(), conditions())
def test_disjoint_conditions_never_match_the_same_record(
    a: tuple[Rating, Requirement], b: tuple[Rating, Requirement]
) -> None:
    (rating_a, req_a), (rating_b, req_b) = a, b
    disjoint = requirements_disjoint(rating_a, req_a, rating_b, req_b)
    assert disjoint == requirements_disjoint(rating_b, req_b, rating_a, req_a)
    # Fields are independent, so a record matching both exists iff every field has a value
    # that satisfies both conditions; look for one field by field.
    subjects = [k for k in subject_kinds(rating_a, req_a) if k in subject_kinds(rating_b, req_b)]
    prefixes = [m.prefix for m in (req_a.when.kind, req_b.when.kind) if m.prefix]
    kinds = [*KINDS, *prefixes, *(p + "z" for p in prefixes), *(p + ".z" for p in prefixes)]
    kind = next((k for k in kinds if req_a.when.kind.matches(k) and req_b.when.kind.matches(k)),
                None)
    found_amount, amount = _witness(req_a.when.amount, req_b.when.amount)
    attributes: dict[str, Any] = {}
    complete = bool(subjects) and kind is not None and found_amount
    for name in sorted(req_a.when.attributes.keys() | req_b.when.attributes.keys()):
        found, value = _witness(req_a.when.attributes.get(name), req_b.when.attributes.get(name))
        complete = complete and found
        attributes[name] = value
    if not complete:
        return
    record = {"subject_kind": subjects[0], "kind": kind, "amount": amount,
              "attributes": attributes}
    assert _matches(rating_a, req_a, record) and _matches(rating_b, req_b, record)
    assert not disjoint, f"called disjoint, yet both match {record}"


# --- credence rules validate ---------------------------------------------------------------


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Keep ``rules`` a sub-command even with one group."""

    return app


def test_validate_valid_ruleset_exits_0(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["rules", "validate", str(FIXTURES / "design.yaml")])
    assert result.exit_code == 0, result.output
    assert "credence-default 2027.1 is valid: 0 errors, 2 warnings" in result.output
    assert "no legal basis" in result.output


def test_validate_invalid_ruleset_exits_1(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["rules", "validate", str(FIXTURES / "many_problems.yaml")])
    assert result.exit_code == 1, result.output
    assert "is not valid: 10 errors, 4 warnings" in result.output


def test_validate_missing_file_exits_2(cli: typer.Typer, tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    result = CliRunner().invoke(cli, ["rules", "validate", str(missing)])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    result = CliRunner().invoke(cli, ["rules", "validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a folder" in result.output


def test_validate_json_output(cli: typer.Typer) -> None:
    path = FIXTURES / "overlap.yaml"
    result = CliRunner().invoke(cli, ["rules", "validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["file"] == str(path) and data["valid"] is False
    assert (data["ruleset"], data["version"]) == ("fixture", "1")
    assert len(data["hash"]) == 64
    assert data["warnings"] == []
    assert [e["where"] for e in data["errors"]] == [
        f"{path}:15 ratings[tax].requirements[TAX-LATE].when"
    ]
    assert "one record, one penalty" in data["errors"][0]["message"]


def test_validate_json_for_broken_yaml(cli: typer.Typer) -> None:
    path = FIXTURES / "bad_yaml.yaml"
    result = CliRunner().invoke(cli, ["rules", "validate", str(path), "-f", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ruleset"] is None and data["hash"] is None
    assert data["errors"][0]["where"] == f"{path}:6"
