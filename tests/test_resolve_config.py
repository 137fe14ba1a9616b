"""Resolution configs: what loads, and every problem of what does not, named once."""

from __future__ import annotations

from pathlib import Path

import pytest

from credence.resolve.comparisons import comparison
from credence.resolve.config import ResolveConfigError, load_config, parse_config
from credence.resolve.pipeline import load_configs

FIXTURES = Path(__file__).parent / "fixtures" / "resolve"

GOOD = """
source: xishan-market-regulator
subject_kind: organization
fields:
  - {field: name, compare: firm_name, right_also: former_names}
  - {field: legacy_id, compare: legacy_number}
  - {field: founded, compare: date, left: founded_on, right: birth_date, date_formats: ["%d/%m/%Y"]}
  - {field: street, compare: jaro_winkler, thresholds: [0.8, 0.95]}
blocking: [[legacy_id], [name], [name_prefix, founded_year]]
thresholds: {accept: 0.995, review: 0.7}
"""


def test_a_config_loads_with_its_derived_keys() -> None:
    config = parse_config(GOOD)
    assert config.key == "xishan-market-regulator/organization"
    assert config.thresholds.accept == 0.995 and config.thresholds.unique
    assert set(config.derived()) >= {"name", "name_pinyin", "name_full", "name_prefix",
                                      "founded", "founded_year", "legacy_id", "street"}
    assert config.list_keys() == {"name", "name_pinyin", "name_full"}
    street = config.fields[3]
    assert street.levels() == [0.95, 0.8]  # strictest first
    levels = comparison(street)["comparison_levels"]
    assert [lv.get("label_for_charts") for lv in levels] == [
        "missing", "exact", "jaro_winkler >= 0.95", "jaro_winkler >= 0.8", "different"]
    founded = config.fields[2]
    assert founded.left_columns == ["founded_on"] and founded.right_columns == ["birth_date"]


def test_the_model_digest_ignores_thresholds_only() -> None:
    config = parse_config(GOOD)
    looser = parse_config(GOOD.replace("accept: 0.995", "accept: 0.9"))
    other = parse_config(GOOD.replace("[legacy_id], ", ""))
    assert config.digest() == looser.digest() != other.digest()
    assert parse_config(config.to_yaml()) == config


def test_every_problem_is_named_at_once() -> None:
    bad = """
fields:
  - {field: name, compare: name, colour: blue}
  - {field: name, compare: date}
  - {field: id, compare: exact, thresholds: [1]}
  - {field: dist, compare: levenshtein, thresholds: [0.5]}
blocking: [[nickname], []]
thresholds: {accept: 0.7, review: 0.9}
"""
    with pytest.raises(ResolveConfigError) as caught:
        parse_config(bad, "bad.yaml")
    text = str(caught.value)
    assert "fields.0.colour: unknown key" in text
    assert "review (0.9) must not be above accept (0.7)" in text
    worse = bad.replace("colour: blue", "").replace("accept: 0.7", "accept: 0.95")
    with pytest.raises(ResolveConfigError) as caught:
        parse_config(worse, "bad.yaml")
    problems = [str(p) for p in caught.value.problems]
    assert any("field 'name' is given twice" in p for p in problems)
    assert any("unknown key 'nickname'" in p and "name_pinyin" in p for p in problems)
    assert any("a rule needs a key" in p for p in problems)
    assert any("only levenshtein, jaro, jaro_winkler" in p for p in problems)
    assert any("whole distances" in p for p in problems)


def test_unreadable_or_shapeless_configs(tmp_path: Path) -> None:
    with pytest.raises(ResolveConfigError, match="cannot be read"):
        load_config(tmp_path / "missing.yaml")
    with pytest.raises(ResolveConfigError, match="expected a YAML mapping"):
        parse_config("- just\n- a list\n")
    with pytest.raises(ResolveConfigError, match="not valid YAML"):
        parse_config("fields: [unclosed\n")
    with pytest.raises(ResolveConfigError, match="give the id column of both sides"):
        parse_config(GOOD + "left: {id: case_id}\n")


def test_resolve_configs_name_their_source_and_registry_columns(tmp_path: Path) -> None:
    resolvable = GOOD.replace("street, compare: jaro_winkler", "address, compare: jaro_winkler")
    (tmp_path / "a.resolve.yaml").write_text(resolvable, encoding="utf-8")
    assert [c.source for c in load_configs([tmp_path])] == ["xishan-market-regulator"]
    (tmp_path / "b.resolve.yaml").write_text(
        resolvable.replace("source: xishan-market-regulator\n", ""), encoding="utf-8"
    )
    with pytest.raises(ResolveConfigError, match="cannot resolve a source") as caught:
        load_configs([tmp_path])
    assert "a resolve config names its source" in str(caught.value)
    street = tmp_path / "c.yaml"
    street.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ResolveConfigError) as caught:
        load_configs([street])
    assert "the registry has no column 'street'" in str(caught.value)
    assert load_config(FIXTURES / "people.link.yaml").left is not None
