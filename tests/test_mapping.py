"""Source mappings: the YAML format, its shorthands, and every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from credence.errors import MappingError
from credence.ingest import SourceMapping, load_mapping, parse_mapping

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

MINIMAL = """
source: city-tax-bureau
level: city
stream: administrative
category: tax
subject_kind: organization
fields:
  subject_code: uscc
  kind: {value: tax.filing.late}
  occurred_at: filed_on
kinds: [tax.filing.late]
"""


def problems_of(text: str) -> dict[str, str]:
    """{field: message} of the MappingError raised for ``text``."""
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    found = {}
    for problem in caught.value.problems:
        assert problem.where.startswith("m.yaml: ")
        found[problem.where.removeprefix("m.yaml: ")] = problem.message
    return found


def test_the_documented_example_loads_with_every_field() -> None:
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    assert mapping.source == "city-tax-bureau"
    assert (mapping.level, mapping.stream, mapping.category) == ("city", "administrative", "tax")
    assert mapping.subject_kind.column == "subj_type"
    assert mapping.subject_kind.values == {"ORG": "organization", "PER": "person"}
    assert mapping.fields.record_key == ["case_no"]
    assert mapping.fields.kind.values == {
        "LATE": "tax.filing.late",
        "ARREARS": "tax.payment.arrears",
    }
    assert mapping.fields.occurred_at.format == "%Y-%m-%d"
    assert mapping.hints == {"name": "firm_name", "address": "addr"}
    assert mapping.columns()[:3] == ["case_no", "uscc", "event"]
    assert "fulfilled" in mapping.columns()


def test_shorthands_expand_to_the_long_forms() -> None:
    mapping = parse_mapping(MINIMAL)
    assert mapping.subject_kind.value == "organization"
    assert mapping.fields.kind.value == "tax.filing.late"
    assert mapping.fields.occurred_at.column == "filed_on"
    assert mapping.fields.occurred_at.format is None
    plain = parse_mapping(MINIMAL.replace("{value: tax.filing.late}", "event"))
    assert plain.fields.kind.column == "event"
    assert plain.fields.kind.values is None


def test_integer_source_values_are_matched_as_text() -> None:
    text = MINIMAL.replace("{value: tax.filing.late}", "{column: ev, values: {1: tax.filing.late}}")
    assert parse_mapping(text).fields.kind.values == {"1": "tax.filing.late"}


def test_yaml_round_trip_gives_an_equal_mapping() -> None:
    for name in ("city-tax-bureau", "market-platform", "consent-registry", "court-minimal"):
        mapping = load_mapping(FIXTURES / f"{name}.yaml")
        assert parse_mapping(mapping.to_yaml()) == mapping


def test_every_problem_is_reported_with_file_and_field() -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(FIXTURES / "broken.yaml")
    where = {p.where.split(": ", 1)[1]: p.message for p in caught.value.problems}
    assert all(p.where.startswith(str(FIXTURES / "broken.yaml")) for p in caught.value.problems)
    assert "Bad Source" in where["source"]
    assert "district" in where["level"]
    assert where["sql"] == "unknown key"
    assert "forbidden" in where["category"]
    assert "forbidden" in where["kinds.1"]  # health.check.failed
    assert "category: consent" in where["kinds.2"]  # consent.granted in a tax source
    assert "NotDotted" in where["kinds.3"]
    assert "forbidden" in where["hints.religion"]
    assert "forbidden" in where["attributes.ethnic_group"]
    assert "tax.other.thing" in where["fields.kind"]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("category: tax", "category: biometrics", "category", "forbidden"),
        ("category: tax", "category: gps_traces", "category", "forbidden"),
        ("[tax.filing.late]", "[tax.filing.late, tax.sexual_life.x]", "kinds.1", "forbidden"),
        ("kinds: [tax.filing.late]", "kinds: [tax]", "kinds.0", "dotted"),
        ("kinds: [tax.filing.late]", "kinds: []", "kinds", "at least 1"),
        ("level: city", "level: galaxy", "level", "district"),
        ("stream: administrative", "stream: gossip", "stream", "administrative"),
        ("source: city-tax-bureau", "source: City_Tax", "source", "City_Tax"),
        (
            "  subject_code: uscc\n",
            "  subject_code: uscc\n  colour: red\n",
            "fields.colour",
            "unknown",
        ),
        ("subject_kind: organization", "subject_kind: robot", "subject_kind.value", "person"),
        ("{value: tax.filing.late}", "{value: tax.other}", "fields.kind", "not listed in kinds"),
        ("{value: tax.filing.late}", "{column: e, value: tax.filing.late}", "fields.kind", "one"),
        ("  occurred_at: filed_on\n", "", "fields.occurred_at", "required"),
    ],
)
def test_one_problem_is_named_precisely(old: str, new: str, field: str, words: str) -> None:
    assert old in MINIMAL
    found = problems_of(MINIMAL.replace(old, new))
    assert field in found, found
    assert words in found[field]


def test_forbidden_hint_and_attribute_names_are_refused() -> None:
    text = MINIMAL + "hints: {name: n, health_status: h}\nattributes: {religion: r, court: c}\n"
    found = problems_of(text)
    assert set(found) == {"hints.health_status", "attributes.religion"}


def test_consent_kinds_need_the_consent_category_and_a_scope() -> None:
    consent = load_mapping(FIXTURES / "consent-registry.yaml")
    assert consent.kinds == ["consent.granted", "consent.withdrawn"]
    text = MINIMAL.replace("[tax.filing.late]", "[tax.filing.late, consent.granted]")
    found = problems_of(text)
    assert "category: consent" in found["kinds.1"]
    assert "scope" in found["attributes"]


def test_private_platforms_must_require_consent_and_map_it() -> None:
    found = problems_of(MINIMAL.replace("level: city", "level: private"))
    assert "consent_required" in found
    found = problems_of(MINIMAL + "consent_required: true\n")
    assert "consent_ref" in found["fields.consent_ref"]


def test_a_source_without_codes_needs_a_name_hint() -> None:
    found = problems_of(MINIMAL.replace("  subject_code: uscc\n", ""))
    assert "hints.name" in found["fields.subject_code"]
    loaded = parse_mapping(MINIMAL.replace("  subject_code: uscc\n", "") + "hints: {name: n}\n")
    assert isinstance(loaded, SourceMapping)


def test_unreadable_files_are_mapping_errors(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot be read"):
        load_mapping(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: [unclosed\n", encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(bad)
    assert "not valid YAML" in caught.value.problems[0].message
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(MappingError, match="expected a YAML mapping"):
        load_mapping(bad)
