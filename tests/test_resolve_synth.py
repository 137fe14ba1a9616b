"""What the city gives resolution: a registry, configs, spellings as older sources write them,
and copies of records held at two levels, with the truth about each."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from credence.ingest.mapping import load_mapping
from credence.resolve.normalise import firm_core, has_cjk, person_pinyin
from credence.resolve.pipeline import load_configs
from credence.synth import CityManifest, generate_city
from credence.synth.names import district_names
from credence.synth.population import make_population
from credence.synth.resolving import place_names
from credence.synth.variants import (
    assign_former_names,
    date_variant,
    firm_name_variant,
    legacy_variant,
    person_name_variant,
)

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityManifest:
    return generate_city(tmp_path_factory.mktemp("synth-resolve") / "city", 2000, 200, 4, END)


def _rows(city: CityManifest, source: str) -> list[dict[str, Any]]:
    entry = next(e for e in city.sources if e.source == source)
    path = city.path(entry.file)
    if entry.format == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    if entry.format == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pq.read_table(path).to_pylist()


def test_the_registry_holds_every_subject(city: CityManifest) -> None:
    assert city.registry == "registry/subjects.parquet"
    registry = pq.read_table(city.path(city.registry)).to_pylist()
    assert len(registry) == 2200 and len({r["code"] for r in registry}) == 2200
    firms = [r for r in registry if r["kind"] == "organization"]
    people = [r for r in registry if r["kind"] == "person"]
    assert all(r["birth_date"] and r["address"] and r["district"] for r in registry)
    assert all(len(r["legacy_id"]) == 15 for r in firms) and not any(r["legacy_id"] for r in people)
    renamed = [r for r in firms if r["former_names"]]
    assert 0.03 < len(renamed) / len(firms) < 0.2
    assert all(r["former_names"][0] != r["name"] for r in renamed)
    with (city.root / "truth" / "subjects.csv").open(encoding="utf-8", newline="") as handle:
        truth = {r["code"]: r for r in csv.DictReader(handle)}
    assert all(truth[r["code"]]["former_names"] == "|".join(r["former_names"]) for r in firms)


def test_sources_without_codes_come_with_configs(city: CityManifest) -> None:
    with_rows = {e.source for e in city.sources if e.to_resolve}
    assert with_rows == {"xishan-market-regulator", "province-environment-bureau",
                         "nanhe-district-court", "jiangbin-traffic-police"}  # fmt: skip
    files = [city.path(f) for e in city.sources for f in e.resolve]
    configs = load_configs(files)
    assert {c.source for c in configs} == with_rows
    court = {c.subject_kind: c for c in configs if c.source == "nanhe-district-court"}
    assert set(court) == {"person", "organization"}
    assert court["organization"].fields[0].compare == "firm_name"
    assert court["person"].fields[0].compare == "name"
    for config in configs:
        mapping = load_mapping(city.path(f"{config.source}.yaml"))
        hints = set(mapping.hints)
        assert {c for f in config.fields for c in f.left_columns} <= hints


def test_copies_of_city_judgments_are_the_same_decision(city: CityManifest) -> None:
    with (city.root / "truth" / "duplicates.csv").open(encoding="utf-8", newline="") as handle:
        copies = list(csv.DictReader(handle))
    assert len(copies) > 5
    court = _rows(city, "nanhe-district-court")
    city_court = _rows(city, "city-intermediate-court")
    entry = next(e for e in city.sources if e.source == "nanhe-district-court")
    assert entry.copies_of == "city-intermediate-court" and entry.level == "district"
    for copy in copies:
        held = court[int(copy["row"]) - 1]
        original = city_court[int(copy["of_row"]) - 1]
        assert copy["of_source"] == "city-intermediate-court"
        assert held["outcome"] == original["outcome"]
        assert float(held["amount_cny"]) == original["amount_cny"]
        day = held["judged_on"].replace("年", "-").replace("月", "-").replace("日", "")
        assert day == original["judgment_date"]
        assert held["district"] == original["domicile_district"] == "nanhe"


def test_code_less_rows_are_spelt_as_old_registers_spell_them(city: CityManifest) -> None:
    with (city.root / "truth" / "links.csv").open(encoding="utf-8", newline="") as handle:
        links = [r for r in csv.DictReader(handle) if r["source"] == "nanhe-district-court"]
    court = _rows(city, "nanhe-district-court")
    assert len(links) > 20
    for link in links:
        row = court[int(link["row"]) - 1]
        assert row["id_no"] == "" and row["party"]


def test_firm_name_variants_cover_what_old_registers_do() -> None:
    rng = random.Random(8)
    population = make_population(rng, 10, 400, END)
    assign_former_names(random.Random(9), population)
    places = place_names()
    kinds: Counter[str] = Counter()
    for firm in population.organizations:
        variant = firm_name_variant(rng, firm)
        core = firm_core(firm.name, places)
        if variant == firm.name:
            kinds["exact"] += 1
        elif variant in firm.former_names:
            kinds["former"] += 1
        elif not has_cjk(variant):
            kinds["pinyin"] += 1
        elif firm_core(variant, places) == core:
            kinds["same core"] += 1  # legal form changed, shortened, traditional
        else:
            kinds["typo or abbreviation"] += 1
    assert set(kinds) == {"exact", "former", "pinyin", "same core", "typo or abbreviation"}
    assert kinds["exact"] < 0.5 * len(population.organizations)


def test_person_dates_and_numbers_variants() -> None:
    rng = random.Random(3)
    names = [person_name_variant(rng, "王晓明") for _ in range(300)]
    assert {person_pinyin(n) for n in names if n != "王晓明" and not has_cjk(n[-1:])} <= {
        "wang xiaoming"}  # fmt: skip
    assert sum(n != "王晓明" for n in names) > 50
    assert sum(person_pinyin(n) == "wang xiaoming" for n in names) > 250  # typos sound alike
    days = [date_variant(rng, date(1990, 3, 7)) for _ in range(300)]
    assert None not in days and 0.8 < days.count("1990-03-07") / 300 < 0.97
    assert {d for d in days if d != "1990-03-07"} <= {"1990-03-06", "1990-03-08", "1990-07-03"}
    numbers = [legacy_variant(rng, "110101123456789") for _ in range(300)]
    assert all(n and len(n) == 15 for n in numbers)
    assert 0.7 < numbers.count("110101123456789") / 300 < 0.9
    assert date_variant(rng, None) is None and legacy_variant(rng, None) is None
    assert set(district_names()) >= {"nanhe", "xishan"}


def test_the_benchmark_runs_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import resolve_bench

    resolve_bench.main(["--people", "600", "--organizations", "80", "--subjects", "3000",
                        "--rows", "3000", "--seed", "3", "--work", str(tmp_path)])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    quality = report["quality"]
    assert quality["precision"] >= 0.995 and quality["rows_to_resolve"] > 20
    assert quality["duplicates"]["voided"] == quality["duplicates"]["correct"]
    scale = report["throughput"]
    assert scale["rows"] == 3000 and scale["peak_mb"] > 0 and scale["rows_per_second"] > 0
    for kind in ("person", "organization"):
        found = scale["kinds"][kind]
        assert found["precision"] >= 0.995 and found["recall"] >= 0.9, found
        assert set(found["phases"]) == {"normalise", "train", "predict", "decide"}
