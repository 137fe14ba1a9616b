"""The pieces of the synthetic city: bad rows, mappings, renderers, population, the CLI."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.errors import CredenceError
from credence.identifiers import generate_ric, generate_uscc, is_valid_ric, is_valid_uscc
from credence.ingest.mapping import parse_mapping
from credence.model import is_forbidden_category
from credence.synth import generate_city, load_manifest
from credence.synth.badrows import REASONS, applicable_reasons, bad_count, corrupt, flip_check
from credence.synth.catalog import SOURCES
from credence.synth.events import Event
from credence.synth.kinds import KIND_CATEGORIES
from credence.synth.layout import Renderer, mapping_for
from credence.synth.names import name_variant
from credence.synth.population import make_population
from credence.synth.writers import write_mapping

END = date(2026, 6, 30)
SPECS = {spec.source: spec for spec in SOURCES}


def _event(kind: str, subject_kind: str = "organization") -> Event:
    population = make_population(random.Random(1), 1, 1, END)
    subject = population.people[0] if subject_kind == "person" else population.organizations[0]
    return Event(subject, kind, date(2024, 5, 6), 1234.5, {"fulfilled": False}, "CR00000001")


def test_flipped_check_characters_never_validate() -> None:
    rng = random.Random(4)
    for _ in range(200):
        ric, uscc = generate_ric(rng), generate_uscc(rng)
        assert is_valid_ric(ric) and not is_valid_ric(flip_check(ric, rng))
        assert is_valid_uscc(uscc) and not is_valid_uscc(flip_check(uscc, rng))


def test_each_reason_breaks_one_field() -> None:
    spec = SPECS["donghu-market-regulator"]
    row = Renderer(spec).row(_event("market.penalty.fine"), 7)
    rng = random.Random(2)
    assert set(applicable_reasons(spec)) == set(REASONS) - {"missing_consent"}
    changed = {
        reason: {k for k, v in corrupt(spec, row, reason, 7, END, rng).items() if v != row[k]}
        for reason in applicable_reasons(spec)
    }
    assert changed["unparseable_date"] == {"decision_date"}
    assert changed["future_date"] == {"decision_date"}
    assert changed["unknown_kind"] == {"penalty_type"}
    assert changed["forbidden_category"] == {"data_category"}
    assert changed["wrong_type"] == {"fine_cny"}
    hints = {"party_name", "reg_address", "reg_district"}
    assert changed["bad_check_digit"] == {"credit_code", *hints}
    assert changed["missing_subject_code"] == {"credit_code", *hints}
    assert len(changed["missing_field"]) == 1
    bad = corrupt(spec, row, "future_date", 7, END, rng)
    assert bad["decision_date"] > "2050"
    forbidden = corrupt(spec, row, "forbidden_category", 7, END, rng)["data_category"]
    assert is_forbidden_category(forbidden)
    with pytest.raises(ValueError, match="unknown bad-row reason"):
        corrupt(spec, row, "boredom", 7, END, rng)


def test_bad_rows_are_half_a_percent_of_a_large_source() -> None:
    lending = SPECS["yidai-lending"]
    assert "missing_consent" in applicable_reasons(lending)
    assert "wrong_type" not in applicable_reasons(SPECS["city-tax-bureau"])  # typed Parquet
    assert bad_count(lending, 10_000) == 50
    assert bad_count(lending, 100) == len(applicable_reasons(lending))
    assert bad_count(lending, 3) == 0


def test_rendered_rows_follow_the_mapping() -> None:
    lending = SPECS["yidai-lending"]
    row = Renderer(lending).row(_event("loan.repayment.overdue", "person"), 42)
    assert list(row) == lending.columns()
    assert row["repayment_status"] == "M1+"
    assert row["status_date"] == "20240506"
    assert row["loan_id"] == "YD00000042" and row["period"] == "202405"
    assert row["consent_no"] == "CR00000001" and row["overdue_amount"] == 1234.5
    court = Renderer(SPECS["city-intermediate-court"])
    judged = court.row(_event("court.judgment.unfulfilled"), 3)
    assert judged["fulfilled"] is False and judged["party_type"] == "法人"
    assert judged["case_no"] == "(2024)澜01民初3号"
    hidden = Renderer(SPECS["xishan-market-regulator"]).row(
        _event("market.penalty.fine"), 1, resolve=True, rng=random.Random(1)
    )
    assert hidden["uscc"] is None and hidden["reg_no"] and hidden["firm_name"]


def test_every_mapping_parses_and_categories_are_allowed(tmp_path: Path) -> None:
    for spec in SOURCES:
        write_mapping(tmp_path / f"{spec.source}.yaml", spec)
        mapping = parse_mapping((tmp_path / f"{spec.source}.yaml").read_text(encoding="utf-8"))
        assert mapping.kinds == spec.kinds() == mapping_for(spec)["kinds"]
        assert set(mapping.columns()) <= set(spec.columns())
        for kind in spec.kinds():
            category = KIND_CATEGORIES[kind]
            assert not is_forbidden_category(category)
            if spec.layout.category is None:  # no per-row column: the default must be right
                assert category == spec.category, (spec.source, kind)


def test_population_codes_are_unique_and_valid() -> None:
    population = make_population(random.Random(9), 2000, 200, END)
    codes = [s.code for s in population.all()]
    assert len(set(codes)) == len(codes)
    assert all(is_valid_ric(s.code) for s in population.people)
    assert all(is_valid_uscc(s.code) for s in population.organizations)
    assert all(len(s.legacy_id or "") == 15 for s in population.organizations)
    assert all(s.since <= END for s in population.all())
    self_employed = sum(s.self_employed for s in population.people) / 2000
    assert 0.05 < self_employed < 0.11


def test_name_variants_differ_from_the_registered_name() -> None:
    rng = random.Random(3)
    for name in ("澜城恒瑞商贸有限责任公司", "澜城安达物流有限公司", "东湖区锦鑫食品股份有限公司"):
        assert name_variant(rng, name) != name


def test_generate_city_refuses_an_empty_city(tmp_path: Path) -> None:
    with pytest.raises(CredenceError, match="at least one person"):
        generate_city(tmp_path, 0, 10, 1, END)
    (tmp_path / "file").write_text("x")
    with pytest.raises(CredenceError, match="not a folder"):
        generate_city(tmp_path / "file", 10, 1, 1, END)
    with pytest.raises(CredenceError, match=r"manifest\.json is missing"):
        load_manifest(tmp_path)


def test_cli_writes_the_city_and_lists_its_sources(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "city"
    args = ["synth", str(out), "--people", "300", "--organizations", "30", "--seed", "2",
            "--end-date", "2026-01-31"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "province-environment-bureau" in result.output and "parquet" in result.output
    assert "bad on purpose" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["end_date"] == "2026-01-31"
    assert (out / "yidai-lending.csv").is_file() and (out / "yidai-lending.yaml").is_file()

    as_json = runner.invoke(app, [*args[:2], "-p", "300", "-o", "30", "-s", "2",
                                  "--end-date", "2026-01-31", "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output) == manifest

    wrong = runner.invoke(app, ["synth", str(out), "--end-date", "2026-02-30"])
    assert wrong.exit_code == 2
    assert "not a date" in wrong.output
