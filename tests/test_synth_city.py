"""The synthetic city as files: sources, mappings, manifest and ground truth agree."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from credence.identifiers import is_valid_code
from credence.ingest.mapping import SourceMapping, load_mapping
from credence.model import is_forbidden_category
from credence.rules.loader import default_ruleset_path
from credence.rules.spec import Ruleset
from credence.synth import CityManifest, generate_city, load_manifest
from credence.synth.badrows import REASONS
from credence.synth.kinds import KIND_CATEGORIES

END = date(2026, 6, 30)
# Sources that know a subject by identity number and name only, not where it lives.
NO_DISTRICT = {
    "city-consent-registry", "city-blood-center", "hemall-marketplace", "yidai-lending",
    "jinhe-rural-bank",
}  # fmt: skip


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityManifest:
    return generate_city(tmp_path_factory.mktemp("synth") / "city", 3000, 300, 11, END)


def _rows(root: Path, file: str, fmt: str) -> list[dict[str, Any]]:
    path = root / file
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return pq.read_table(path).to_pylist()


def _truth(city: CityManifest, name: str) -> list[dict[str, str]]:
    with (city.root / "truth" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _subject_kind(mapping: SourceMapping, row: dict[str, Any]) -> str | None:
    spec = mapping.subject_kind
    if spec.value is not None:
        return spec.value
    assert spec.column is not None and spec.values is not None
    return spec.values.get(str(row[spec.column]))


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_arguments_give_identical_files(tmp_path: Path) -> None:
    generate_city(tmp_path / "a", 400, 40, 5, END)
    generate_city(tmp_path / "b", 400, 40, 5, END)
    generate_city(tmp_path / "c", 400, 40, 6, END)
    first, second, other = (_digests(tmp_path / n) for n in "abc")
    assert len(first) >= 2 * 10 + 1 + 4  # data + mapping per source, manifest, truth
    assert first == second
    assert first.keys() == other.keys()
    assert first["city-tax-bureau.parquet"] != other["city-tax-bureau.parquet"]


def test_sources_cover_levels_streams_and_formats(city: CityManifest) -> None:
    entries = city.sources
    assert len(entries) >= 10
    assert {e.stream for e in entries} == {"administrative", "commercial", "social", "judicial"}
    assert {e.format for e in entries} == {"csv", "jsonl", "parquet"}
    assert {"district", "city", "province", "private"} <= {e.level for e in entries}
    private = [e for e in entries if e.level == "private"]
    assert len(private) == 4 and all(e.consent_required for e in private)
    assert entries[0].category == "consent"  # ingested first
    assert sum(e.level == "district" and e.category == "admin_penalty" for e in entries) >= 3


def test_every_mapping_loads_and_matches_its_file(city: CityManifest) -> None:
    for entry in city.sources:
        mapping = load_mapping(city.path(entry.mapping))
        assert mapping.source == entry.source
        assert (mapping.level, mapping.stream, mapping.category) == (
            entry.level, entry.stream, entry.category,
        )
        assert mapping.kinds == entry.kinds
        assert not any(is_forbidden_category(part) for k in mapping.kinds for part in k.split("."))
        rows = _rows(city.root, entry.file, entry.format)
        assert len(rows) == entry.rows > 0
        assert set(mapping.columns()) <= set(rows[0])


def test_manifest_reads_back_and_counts_bad_rows(city: CityManifest) -> None:
    again = load_manifest(city.root)
    assert again.to_dict() == city.to_dict()
    data = json.loads((city.root / "manifest.json").read_text(encoding="utf-8"))
    assert data["end_date"] == "2026-06-30" and data["seed"] == 11
    assert str(city.root) not in json.dumps(data)
    truth = Counter((r["source"], r["reason"]) for r in _truth(city, "bad_rows"))
    for entry in city.sources:
        expected = {reason: n for (source, reason), n in truth.items() if source == entry.source}
        assert entry.bad_rows == expected
        assert entry.bad_total <= max(entry.rows * 0.02, entry.rows // 5 + 1)
    assert set(city.bad_rows()) == set(REASONS)  # every quarantine reason is exercised
    assert 0.003 < sum(city.bad_rows().values()) / city.total_rows < 0.02


def test_codes_are_valid_except_the_deliberate_bad_ones(city: CityManifest) -> None:
    bad = {(r["source"], int(r["row"])): r["reason"] for r in _truth(city, "bad_rows")}
    links = {(r["source"], int(r["row"])): r["code"] for r in _truth(city, "links")}
    subjects = {r["code"]: r for r in _truth(city, "subjects")}
    assert links, "some rows carry hints only, for resolution"
    for entry in city.sources:
        mapping = load_mapping(city.path(entry.mapping))
        assert mapping.fields.subject_code is not None
        for number, row in enumerate(_rows(city.root, entry.file, entry.format), start=1):
            code = row[mapping.fields.subject_code] or ""
            key = (entry.source, number)
            if key in links:
                assert code == "" and links[key] in subjects
            elif code == "":
                assert bad[key] == "missing_subject_code"
            elif bad.get(key) == "bad_check_digit":
                assert not is_valid_code(_subject_kind(mapping, row) or "", code)
            else:
                kind = _subject_kind(mapping, row)
                assert kind is not None and is_valid_code(kind, code), key
                assert subjects[code]["kind"] == kind


def test_subjects_are_spread_and_most_people_consent(city: CityManifest) -> None:
    subjects = _truth(city, "subjects")
    people = [s for s in subjects if s["kind"] == "person"]
    assert (len(people), len(subjects) - len(people)) == (3000, 300)
    assert len({s["code"] for s in subjects}) == len(subjects)
    assert len({s["district"] for s in subjects}) == 6
    granted = {c["code"] for c in _truth(city, "consents") if c["scope"] == "scoring"}
    assert 0.82 < len(granted) / len(people) < 0.88
    standing = sum(s["consent_scoring"] == "true" for s in people) / len(people)
    assert 0.76 < standing < len(granted) / len(people)
    assert standing == pytest.approx(city.people_consenting / len(people))
    assert all(s["consent_scoring"] == "true" for s in subjects if s["kind"] == "organization")


def test_private_rows_carry_a_matching_consent(city: CityManifest) -> None:
    consents = _truth(city, "consents")
    missing = {(c["code"], c["scope"]) for c in consents if c["status"] == "missing"}
    granted = {(c["code"], c["scope"]): c["consent_ref"] for c in consents}
    granted = {pair: ref for pair, ref in granted.items() if pair not in missing}
    assert missing, "a few members' private consent never reached the registry"
    assert {c["kind"] for c in consents if c["scope"] == "hemall-marketplace"} == {
        "person", "organization",
    }
    bad = {(r["source"], int(r["row"])) for r in _truth(city, "bad_rows")}
    for entry in (e for e in city.sources if e.consent_required):
        mapping = load_mapping(city.path(entry.mapping))
        assert mapping.fields.consent_ref and mapping.fields.subject_code
        refs: Counter[str] = Counter()
        for number, row in enumerate(_rows(city.root, entry.file, entry.format), start=1):
            if (entry.source, number) in bad:
                continue
            pair = (row[mapping.fields.subject_code], entry.source)
            ref = row[mapping.fields.consent_ref]
            refs["matched" if granted.get(pair) == ref else "missing"] += 1
            assert granted.get(pair) == ref or pair in missing
        assert refs["matched"] > 10 * refs["missing"] > 0


def test_dates_span_ten_years_and_stop_at_the_end(city: CityManifest) -> None:
    entry = next(e for e in city.sources if e.source == "city-tax-bureau")
    mapping = load_mapping(city.path(entry.mapping))
    column, fmt = mapping.fields.occurred_at.column, mapping.fields.occurred_at.format
    assert column is not None and fmt is not None
    bad = {int(r["row"]) for r in _truth(city, "bad_rows") if r["source"] == entry.source}
    rows = _rows(city.root, entry.file, entry.format)
    days = sorted(
        datetime.strptime(row[column], fmt).date()
        for n, row in enumerate(rows, 1)
        if n not in bad
    )
    assert days[-1] <= END
    assert (END - days[0]).days > 9 * 365
    recent = sum(d.year >= 2021 for d in days) / len(days)
    assert 0.5 < recent < 0.85  # more records in recent, digitised years


def test_penalties_cluster_on_few_subjects(city: CityManifest) -> None:
    entry = next(e for e in city.sources if e.source == "city-tax-bureau")
    mapping = load_mapping(city.path(entry.mapping))
    assert mapping.fields.kind.column and mapping.fields.kind.values and mapping.fields.amount
    late = [raw for raw, kind in mapping.fields.kind.values.items() if kind == "tax.filing.late"]
    rows = _rows(city.root, entry.file, "parquet")
    per_firm = Counter(row["taxpayer_id"] for row in rows if row["event_code"] in late)
    firms = 300
    assert firms - len(per_firm) > firms / 2  # most firms never filed late
    top = sum(n for _code, n in per_firm.most_common(firms // 20))
    assert top > 0.3 * sum(per_firm.values())  # the worst 5% file a third of late returns
    amounts = sorted(row["amount_cny"] for row in rows if row["amount_cny"] is not None)
    assert amounts[-1] > 20 * amounts[len(amounts) // 2]  # lognormal tail


@pytest.mark.parametrize("name", ["starter", "credence-default"])
def test_every_shipped_kind_is_emitted_with_its_category(city: CityManifest, name: str) -> None:
    data = yaml.safe_load(default_ruleset_path(name).read_text(encoding="utf-8"))
    ruleset = Ruleset.model_validate(data)
    emitted: dict[str, set[str]] = {}
    bad = {(r["source"], int(r["row"])) for r in _truth(city, "bad_rows")}
    for entry in city.sources:
        mapping = load_mapping(city.path(entry.mapping))
        if mapping.fields.category is None:
            for kind in mapping.kinds:
                emitted.setdefault(kind, set()).add(mapping.category)
            continue
        for kind in mapping.kinds:  # per-row categories: the kind's own, on every good row
            emitted.setdefault(kind, set()).add(KIND_CATEGORIES[kind])
        kinds = mapping.fields.kind
        for number, row in enumerate(_rows(city.root, entry.file, entry.format), start=1):
            raw = row[kinds.column or ""]
            kind = (kinds.values or {}).get(raw, raw)
            if (entry.source, number) not in bad:
                assert row[mapping.fields.category] == KIND_CATEGORIES[kind], (entry, number)
    for _rating, req in ruleset.requirements():
        exact = req.when.kind.exact()
        assert exact is not None
        for kind in exact:
            assert kind in emitted, f"{req.id}: no source emits {kind}"
            assert req.category in emitted[kind], f"{req.id}: {kind} is {emitted[kind]}"


def test_sources_that_know_the_district_write_it_as_a_hint(city: CityManifest) -> None:
    subjects = {r["code"]: r["district"] for r in _truth(city, "subjects")}
    bad = {(r["source"], int(r["row"])) for r in _truth(city, "bad_rows")}
    with_district = 0
    for entry in city.sources:
        mapping = load_mapping(city.path(entry.mapping))
        column = mapping.hints.get("district")
        if entry.source in NO_DISTRICT:
            assert column is None, entry.source  # none of their business where people live
            continue
        assert column is not None, entry.source
        with_district += 1
        code_column = mapping.fields.subject_code
        assert code_column is not None
        for number, row in enumerate(_rows(city.root, entry.file, entry.format), start=1):
            if (entry.source, number) in bad or not row[code_column]:
                continue
            assert row[column] == subjects[row[code_column]], (entry.source, number)
    assert with_district >= 15


def test_most_subjects_are_clean_and_trouble_has_a_heavy_tail(city: CityManifest) -> None:
    """Over ten years, most people have no penalty or judgment; a few firms collect many."""
    penalties: Counter[str] = Counter()
    for entry in city.sources:
        mapping = load_mapping(city.path(entry.mapping))
        kinds = mapping.fields.kind
        code_column = mapping.fields.subject_code
        assert code_column is not None
        for row in _rows(city.root, entry.file, entry.format):
            raw = row[kinds.column] if kinds.column else kinds.value
            kind = (kinds.values or {}).get(str(raw), raw)
            if KIND_CATEGORIES.get(str(kind)) in ("admin_penalty", "court_judgment"):
                penalties[row[code_column] or ""] += 1
    penalties.pop("", None)
    subjects = {r["code"]: r["kind"] for r in _truth(city, "subjects")}
    people = [c for c, k in subjects.items() if k == "person"]
    firms = [c for c, k in subjects.items() if k == "organization"]
    assert sum(penalties[c] == 0 for c in people) > 0.6 * len(people)
    assert sum(penalties[c] == 0 for c in firms) > 0.2 * len(firms)
    worst = sorted((penalties[c] for c in firms), reverse=True)
    assert sum(worst[: len(firms) // 20]) > 0.25 * sum(worst)  # the worst 5% of firms
    assert worst[0] > 10 * max(1, worst[len(firms) // 2])
