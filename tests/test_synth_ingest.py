"""The city goes through ingest as its manifest promises: every bad row quarantined for the
expected reason at the expected row, every code-less row kept for resolution."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_file
from credence.store import Workspace
from credence.synth import CityManifest, generate_city


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[CityManifest, Workspace]:
    root = tmp_path_factory.mktemp("synth-ingest")
    city = generate_city(root / "city", 1500, 150, 3, date(2026, 3, 31))
    ws = Workspace.init(root / "ws")
    for entry in city.sources:
        report = ingest_file(ws, city.path(entry.file), load_mapping(city.path(entry.mapping)))
        assert report.rows_in == entry.rows
        assert report.quarantined_by_reason == entry.bad_rows, entry.source
        assert report.loaded == entry.rows - entry.bad_total
    return city, ws


def _truth(city: CityManifest, name: str) -> set[tuple[str, ...]]:
    with (city.root / "truth" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return {tuple(row) for row in list(csv.reader(handle))[1:]}


def test_quarantine_holds_exactly_the_bad_rows(ingested: tuple[CityManifest, Workspace]) -> None:
    city, ws = ingested
    con = ws.connect(read_only=True)
    try:
        found = con.execute("SELECT source, row_number, reason FROM quarantine").fetchall()
    finally:
        con.close()
    assert {(s, str(n), r) for s, n, r in found} == _truth(city, "bad_rows")


def test_rows_without_code_wait_for_resolution(ingested: tuple[CityManifest, Workspace]) -> None:
    city, ws = ingested
    con = ws.connect(read_only=True)
    try:
        unresolved = con.execute(
            "SELECT source, count(*) FROM records WHERE subject_code IS NULL GROUP BY source"
        ).fetchall()
        consents = con.execute(
            "SELECT count(*) FROM records WHERE kind = 'consent.granted'"
            " AND json_extract_string(attributes, '$.scope') = 'scoring'"
        ).fetchone()
    finally:
        con.close()
    expected = {e.source: e.to_resolve for e in city.sources if e.to_resolve}
    assert dict(unresolved) == expected
    scoring = {row for row in _truth(city, "consents") if row[2] == "scoring"}
    assert consents is not None and consents[0] == len(scoring)
