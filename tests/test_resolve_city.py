"""Resolution on a generated city, against its ground truth: links, copies, scoring, provenance."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from credence.cli import resolve_cmd
from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_file
from credence.resolve.evaluate import link_quality
from credence.resolve.judgements import link_provenance
from credence.resolve.pipeline import ResolveReport, load_configs, resolve_workspace
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.runs.score import score_workspace
from credence.store import Workspace
from credence.synth import CityManifest, generate_city
from tests.results_sql import at_run

END = date(2026, 6, 30)


@dataclass(frozen=True)
class ResolvedCity:
    city: CityManifest
    ws: Workspace
    report: ResolveReport


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> ResolvedCity:
    root = tmp_path_factory.mktemp("resolve-city")
    city = generate_city(root / "city", 3000, 300, 11, END)
    ws = Workspace.init(root / "ws")
    for entry in city.sources:
        ingest_file(ws, city.path(entry.file), load_mapping(city.path(entry.mapping)))
    configs = load_configs([city.path(f) for e in city.sources for f in e.resolve])
    assert city.registry is not None
    report = resolve_workspace(ws, configs, city.path(city.registry))
    return ResolvedCity(city, ws, report)


def _truth(city: CityManifest, name: str) -> list[dict[str, str]]:
    with (city.root / "truth" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_links_meet_the_quality_goals(resolved: ResolvedCity) -> None:
    truth = {(r["source"], int(r["row"])): r["code"] for r in _truth(resolved.city, "links")}
    con = resolved.ws.connect()
    try:
        quality = link_quality(con, truth)
        methods = con.execute("SELECT DISTINCT method, decided_by FROM record_links").fetchall()
        low = con.execute("SELECT count(*) FROM record_links WHERE probability < 0.99").fetchall()
    finally:
        con.close()
    assert quality.rows == len(truth) > 200
    assert quality.wrong == []
    assert quality.precision >= 0.995 and quality.recall >= 0.97, quality.to_dict()
    assert set(quality.by_source) == {
        "xishan-market-regulator", "province-environment-bureau", "nanhe-district-court",
        "jiangbin-traffic-police",
    }  # fmt: skip
    assert methods == [("splink", "resolver")]
    assert low == [(0,)]  # never linked below the accept threshold
    linked = sum(s.linked for s in resolved.report.sources)
    assert linked == quality.linked
    assert all(s.trained and s.model_id for s in resolved.report.sources)


def test_copies_held_at_two_levels_count_once(resolved: ResolvedCity) -> None:
    copies = {(r["source"], int(r["row"])): (r["of_source"], int(r["of_row"]))
              for r in _truth(resolved.city, "duplicates")}  # fmt: skip
    assert copies, "the district court holds copies of city judgments"
    con = resolved.ws.connect()
    try:
        voided = {
            (s, int(n)): (ks, int(kn)) for s, n, ks, kn in con.execute(
                "SELECT r.source, r.row_number, k.source, k.row_number FROM resolve_duplicates d "
                "JOIN records r ON r.record_id = d.record_id "
                "JOIN records k ON k.record_id = d.kept_record_id").fetchall()
        }  # fmt: skip
        resolved_copies = {
            key for key in copies
            if con.execute("SELECT count(*) FROM records WHERE source = ? AND row_number = ? "
                           "AND subject_code IS NOT NULL", list(key)).fetchall()[0][0]
        }  # fmt: skip
        reasons = con.execute(
            "SELECT DISTINCT decided_by, starts_with(reason, 'duplicate of ') FROM "
            "record_overrides WHERE record_id IN (SELECT record_id FROM resolve_duplicates)"
        ).fetchall()
    finally:
        con.close()
    assert voided.items() <= copies.items()  # every voided copy is a true copy of its original
    assert set(voided) == resolved_copies  # and every copy with a subject was found
    assert resolved.report.duplicates == len(voided)
    assert reasons == [("resolver", True)]

    ruleset = load_ruleset(default_ruleset_path())
    score_workspace(resolved.ws, ruleset, END)
    con = resolved.ws.connect()
    try:
        twice = con.execute(
            at_run(con, """SELECT count(*) FROM score_lines l JOIN resolve_duplicates d
               ON l.record_id = d.record_id""")).fetchall()
        kept = con.execute(
            at_run(con, """SELECT count(*) FROM score_lines l JOIN resolve_duplicates d
               ON l.record_id = d.kept_record_id""")).fetchall()
        listings = con.execute(
            at_run(con, """SELECT DISTINCT state FROM listings l JOIN resolve_duplicates d
               ON l.record_id = d.record_id""")).fetchall()
    finally:
        con.close()
    assert twice == [(0,)] and kept[0][0] > 0
    assert listings in ([], [("revoked",)])


def test_explain_can_trace_a_line_to_its_link(resolved: ResolvedCity) -> None:
    con = resolved.ws.connect()
    try:
        linked = [r for (r,) in con.execute("SELECT record_id FROM record_links").fetchall()]
        copies = [r for (r,) in con.execute("SELECT record_id FROM resolve_duplicates").fetchall()]
        found = link_provenance(con, linked[:5] + copies[:2] + ["no-such-record"])
    finally:
        con.close()
    for record_id in linked[:5]:
        link = found[record_id]["link"]
        assert link["method"] == "splink" and link["decided_by"] == "resolver"
        assert link["probability"] >= 0.99 and link["reference"].startswith("model ")
        assert len(link["pair_id"]) == 12
    for record_id in copies[:2]:
        assert found[record_id]["duplicate_of"]["level"] == "city"
    assert "no-such-record" not in found


def test_a_second_run_reuses_models_and_decisions(resolved: ResolvedCity) -> None:
    first = {s.source: s for s in resolved.report.sources}
    again = resolve_workspace(resolved.ws)  # configs and registry are kept in the workspace
    waiting = 0
    for outcome in again.sources:
        before = first[outcome.source]
        assert outcome.rows == before.rows - before.linked
        assert outcome.linked == 0 and outcome.review == before.review
        assert not outcome.trained
        if outcome.rows:  # rows left: scored again by the stored model
            assert outcome.model_id == before.model_id
            waiting += outcome.rows
    assert waiting > 0 and again.duplicates == 0


def test_the_cli_resolves_and_reports(resolved: ResolvedCity) -> None:
    app = typer.Typer()
    resolve_cmd.register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["resolve", "-w", str(resolved.ws.root)])
    assert result.exit_code == 0, result.output
    assert "jiangbin-traffic-police/person" in result.output and "stored model" in result.output
    result = runner.invoke(app, ["resolve", "-w", str(resolved.ws.root), "--format", "json"])
    data = json.loads(result.output)
    assert data["registry"] == 3300 and len(data["sources"]) == 5
    result = runner.invoke(app, ["resolve", "-w", str(resolved.ws.root), "-c",
                                 str(Path(resolved.city.root) / "missing.resolve.yaml")])
    assert result.exit_code == 2 and "missing.resolve" in result.output
