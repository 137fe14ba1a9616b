"""Scoring a real (generated) workspace: SQL results, explainer and safeguards agree."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from credence.rules.explain import explain
from credence.rules.loader import ruleset_hash
from credence.runs.score import latest_run, score_workspace
from credence.runs.subject_file import subject_records
from tests.conftest import ScoredCity
from tests.results_sql import at_run


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(at_run(con, sql))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_every_subject_scores_the_same_in_sql_and_in_the_explainer(scored_city: ScoredCity) -> None:
    con = scored_city.ws.connect()
    try:
        scores = _rows(con, "SELECT * FROM scores")
        assert len(scores) > 600
        lines = _rows(con, "SELECT subject_code, record_id, points_applied FROM score_lines")
        by_subject: dict[str, list[tuple[str, int]]] = {}
        for line in lines:
            by_subject.setdefault(line["subject_code"], []).append(
                (line["record_id"], line["points_applied"])
            )
        for row in scores:
            records = subject_records(con, row["subject_code"])
            ex = explain(
                scored_city.ruleset,
                row["subject_kind"],
                row["subject_code"],
                records,
                scored_city.as_of,
            )
            assert (ex.scored, ex.score, ex.grade) == (row["scored"], row["score"], row["grade"])
            assert sorted((li.record_id, li.points_applied) for li in ex.lines) == sorted(
                by_subject.get(row["subject_code"], [])
            )
    finally:
        con.close()


def test_the_city_exercises_grades_lists_caps_and_consent(scored_city: ScoredCity) -> None:
    con = scored_city.ws.connect()
    try:
        grades = {
            g
            for (g,) in con.execute(
                at_run(con, at_run(con, "SELECT DISTINCT grade FROM scores"))
            ).fetchall()
        }
        assert len(grades) >= 4
        states = {
            s
            for (s,) in con.execute(
                at_run(con, at_run(con, "SELECT DISTINCT state FROM listings"))
            ).fetchall()
        }
        assert "published" in states
        capped = con.execute(
            at_run(con, at_run(con, "SELECT COUNT(*) FROM score_lines WHERE NOT counted"))
        ).fetchone()
        assert capped is not None and capped[0] > 0
        unscored = con.execute(
            at_run(
                con,
                at_run(
                    con, "SELECT COUNT(*) FROM scores WHERE NOT scored AND subject_kind = 'person'"
                ),
            )
        ).fetchone()
        assert unscored is not None and unscored[0] > 0
    finally:
        con.close()


def test_people_without_scoring_consent_get_no_score_or_lines(scored_city: ScoredCity) -> None:
    con = scored_city.ws.connect()
    try:
        leaked = con.execute(
            at_run(
                con,
                at_run(
                    con,
                    "SELECT COUNT(*) FROM score_lines l "
                    "JOIN scores s USING (subject_kind, subject_code) WHERE NOT s.scored",
                ),
            )
        ).fetchone()
        assert leaked == (0,)
        bad = con.execute(
            at_run(
                con,
                at_run(
                    con,
                    "SELECT COUNT(*) FROM scores "
                    "WHERE NOT scored AND (score IS NOT NULL OR grade IS NOT NULL)",
                ),
            )
        ).fetchone()
        assert bad == (0,)
    finally:
        con.close()


def test_private_platform_records_count_only_with_consent(scored_city: ScoredCity) -> None:
    con = scored_city.ws.connect()
    try:
        rows = con.execute(
            at_run(
                con,
                at_run(
                    con,
                    """
            SELECT l.subject_code, l.source FROM score_lines l JOIN records r USING (record_id)
            WHERE r.level = 'private'
            """,
                ),
            )
        ).fetchall()
        assert rows, "the city should have counted private records"
        for code, source in rows:
            records = subject_records(con, code)
            grants = [
                r
                for r in records
                if r["kind"] == "consent.granted" and source in (r["attributes"] or "")
            ]
            assert grants, f"{code} has a private line from {source} without consent"
    finally:
        con.close()


def test_no_score_line_outlives_its_validity(scored_city: ScoredCity) -> None:
    con = scored_city.ws.connect()
    try:
        stale = con.execute(
            at_run(
                con,
                at_run(
                    con, "SELECT COUNT(*) FROM score_lines WHERE expires_on <= ? OR occurred_at > ?"
                ),
            ),
            [scored_city.as_of, scored_city.as_of],
        ).fetchone()
        assert stale == (0,)
    finally:
        con.close()


def test_a_run_is_recorded_with_its_ruleset_and_rescoring_a_past_day_changes_results(
    scored_city: ScoredCity, tmp_path: Any
) -> None:
    con = scored_city.ws.connect()
    try:
        run = latest_run(con)
        assert run is not None
        assert run["ruleset_hash"] == ruleset_hash(scored_city.ruleset)
        assert run["as_of"] == scored_city.as_of
        before = con.execute(
            at_run(con, at_run(con, "SELECT COUNT(*) FROM score_lines"))
        ).fetchone()
    finally:
        con.close()
    earlier = score_workspace(scored_city.ws, scored_city.ruleset, date(2020, 1, 1))
    assert earlier.as_of == date(2020, 1, 1)
    con = scored_city.ws.connect()
    try:
        late = con.execute(
            at_run(
                con,
                at_run(
                    con, "SELECT COUNT(*) FROM score_lines WHERE occurred_at > DATE '2020-01-01'"
                ),
            )
        )
        assert late.fetchone() == (0,)
    finally:
        con.close()
    again = score_workspace(scored_city.ws, scored_city.ruleset, scored_city.as_of)
    assert (again.lines,) == before
