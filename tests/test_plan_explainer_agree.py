"""The SQL plan and the per-subject explainer are two implementations of one semantics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings

from credence.engines.duckdb_engine import DuckDBEngine
from credence.model import RECORD_SCHEMA
from credence.rules.compile import compile_plan
from credence.rules.explain import Override, explain
from credence.rules.spec import Ruleset
from credence.store.subjects import SUBJECTS_FROM_RECORDS
from tests.rules_strategies import scenarios

OVERRIDES_DDL = (
    "CREATE OR REPLACE TABLE record_overrides (record_id VARCHAR, action VARCHAR, "
    "effective_on DATE, reason VARCHAR, reference VARCHAR, decided_by VARCHAR, "
    "decided_at TIMESTAMPTZ)"
)


def _records_table(
    con: duckdb.DuckDBPyConnection,
    records: list[dict[str, Any]],
    overrides: dict[str, Override] | None = None,
) -> None:
    con.execute(OVERRIDES_DDL)
    for record_id, override in (overrides or {}).items():
        if override.voided:
            con.execute(
                "INSERT INTO record_overrides (record_id, action) VALUES (?, 'void')", [record_id]
            )
        if override.repaired_on is not None:
            con.execute(
                "INSERT INTO record_overrides (record_id, action, effective_on) "
                "VALUES (?, 'repair', ?)",
                [record_id, override.repaired_on],
            )
    rows = [{**r, "ingested_at": None} for r in records]
    schema = pa.schema([f.with_nullable(True) for f in RECORD_SCHEMA])
    table = pa.Table.from_pylist(rows, schema=schema)
    con.register("records_arrow", table)
    con.execute("CREATE OR REPLACE TABLE records AS SELECT * FROM records_arrow")
    con.execute(f"CREATE OR REPLACE TABLE subjects AS {SUBJECTS_FROM_RECORDS}")


def _sql_results(
    ruleset: Ruleset,
    records: list[dict[str, Any]],
    as_of: date,
    overrides: dict[str, Override] | None = None,
) -> dict[str, Any]:
    con = duckdb.connect()
    _records_table(con, records, overrides)
    engine = DuckDBEngine(con)
    engine.run_plan(compile_plan(ruleset, as_of))
    return {
        "scores": engine.fetch("SELECT * FROM scores"),
        "lines": engine.fetch("SELECT * FROM score_lines"),
        "listings": engine.fetch("SELECT * FROM listings"),
        "measures": engine.fetch("SELECT * FROM subject_measures"),
    }


LINE_KEYS = (
    "requirement_id",
    "record_id",
    "occurrence",
    "counted",
    "points_applied",
    "expires_on",
    "rating_id",
)


def _agree(
    ruleset: Ruleset,
    records: list[dict[str, Any]],
    as_of: date,
    overrides: dict[str, Override] | None = None,
) -> None:
    sql = _sql_results(ruleset, records, as_of, overrides)
    subjects = {(r["subject_kind"], r["subject_code"]) for r in records}
    scored_rows = {(s["subject_kind"], s["subject_code"]): s for s in sql["scores"]}
    for kind, code in subjects:
        ex = explain(ruleset, kind, code, records, as_of, overrides)
        row = scored_rows.get((kind, code))
        assert (row is not None) == ex.known, (kind, code)
        if row is None:
            continue
        assert (row["scored"], row["score"], row["grade"]) == (ex.scored, ex.score, ex.grade)
        sql_lines = sorted(
            tuple(line[k] for k in LINE_KEYS)
            for line in sql["lines"]
            if (line["subject_kind"], line["subject_code"]) == (kind, code)
        )
        ex_lines = sorted(tuple(getattr(line, k) for k in LINE_KEYS) for line in ex.lines)
        assert sql_lines == ex_lines
        sql_listings = sorted(
            (
                li["list_name"],
                li["record_id"] or "",
                li["state"],
                li["published_on"],
                li["expires_on"],
            )
            for li in sql["listings"]
            if (li["subject_kind"], li["subject_code"]) == (kind, code)
        )
        ex_listings = sorted(
            (li.list_name, li.record_id or "", li.state, li.published_on, li.expires_on)
            for li in ex.listings
        )
        assert sql_listings == ex_listings
        sql_measures = sorted(
            (m["via"], m["measure_id"])
            for m in sql["measures"]
            if (m["subject_kind"], m["subject_code"]) == (kind, code)
        )
        assert sql_measures == sorted((m.via, m.measure_id) for m in ex.measures)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_plan_and_explainer_agree(
    scenario: tuple[Ruleset, list[dict[str, Any]], date, dict[str, Override]],
) -> None:
    _agree(*scenario)


def test_agreement_on_a_fixed_example_with_every_feature() -> None:
    """A deterministic case: cap, expiry, consent, private source, black and red lists."""
    ruleset = Ruleset.model_validate(
        {
            "ruleset": "t",
            "version": "1",
            "base_points": 1000,
            "grades": {
                "person": [{"grade": "A", "min": 1000}, {"grade": "B"}],
                "organization": [{"grade": "1", "min": 1000}, {"grade": "2"}],
            },
            "ratings": [
                {
                    "id": "r",
                    "stream": "judicial",
                    "applies_to": ["person", "organization"],
                    "requirements": [
                        {
                            "id": "LATE",
                            "when": {"kind": "tax.late"},
                            "points": -5,
                            "cap": 2,
                            "valid_for": "P1Y",
                            "category": "tax",
                            "legal_basis": "Tax Law",
                        },
                        {
                            "id": "UNF",
                            "when": {"kind": "court.unfulfilled"},
                            "points": -100,
                            "valid_for": "P5Y",
                            "category": "court_judgment",
                            "legal_basis": "Civil Procedure Law",
                            "lists": ["black"],
                        },
                    ],
                }
            ],
            "lists": {
                "black": {"notice_days": 10, "duration": "P2Y", "measures": ["ban"]},
                "red": {"min_grade": {"person": "A", "organization": "1"}, "clean_years": 1},
            },
            "measures": [
                {
                    "id": "ban",
                    "effect": {"may_bid_public_tenders": False},
                    "legal_basis": "Procurement Law",
                }
            ],
        }
    )
    day = date(2026, 1, 1)
    base = {
        "source": "s",
        "level": "city",
        "stream": "administrative",
        "category": "tax",
        "subject_kind": "organization",
        "subject_code": "O1",
        "hints": None,
        "amount": None,
        "attributes": None,
        "batch_id": "b",
        "consent_ref": None,
    }
    records = [
        {
            **base,
            "record_id": f"r{i}",
            "row_number": i,
            "kind": "tax.late",
            "occurred_at": day - timedelta(days=30 * i),
        }
        for i in range(1, 5)
    ] + [
        {
            **base,
            "record_id": "u1",
            "row_number": 9,
            "kind": "court.unfulfilled",
            "occurred_at": day - timedelta(days=5),
        }
    ]
    _agree(ruleset, records, day)
    ex = explain(ruleset, "organization", "O1", records, day)
    assert ex.score == 1000 - 5 * 2 - 100
    assert [line.counted for line in ex.lines if line.requirement_id == "LATE"] == [
        True,
        True,
        False,
        False,
    ]
    assert [li.state for li in ex.listings] == ["proposed"]
    assert ex.measures == []
    later = explain(ruleset, "organization", "O1", records, day + timedelta(days=20))
    assert [li.state for li in later.listings] == ["published"]
    assert [m.measure_id for m in later.measures] == ["ban"]


def test_an_upheld_appeal_revokes_and_a_repair_ends_a_record() -> None:
    """Overrides in both implementations: revoked listing, repaired listing, shortened line."""
    ruleset = Ruleset.model_validate(
        {
            "ruleset": "t", "version": "1", "base_points": 1000,
            "grades": {"person": [{"grade": "A", "min": 1000}, {"grade": "B"}],
                       "organization": [{"grade": "1", "min": 1000}, {"grade": "2"}]},
            "ratings": [{"id": "r", "stream": "judicial", "applies_to": ["organization"],
                         "requirements": [
                             {"id": "LATE", "when": {"kind": "tax.late"}, "points": -5,
                              "valid_for": "P1Y", "category": "tax", "legal_basis": "Tax Law"},
                             {"id": "UNF", "when": {"kind": "court.unfulfilled"}, "points": -100,
                              "valid_for": "P5Y", "category": "court_judgment",
                              "legal_basis": "Civil Procedure Law", "lists": ["black"]}]}],
            "lists": {"black": {"notice_days": 10, "duration": "P2Y"}},
        }
    )  # fmt: skip
    day = date(2026, 1, 1)
    base = {"source": "s", "level": "city", "stream": "judicial", "category": "tax",
            "subject_kind": "organization", "hints": None, "amount": None, "attributes": None,
            "batch_id": "b", "consent_ref": None}  # fmt: skip
    records = [
        {**base, "subject_code": "O1", "record_id": "u1", "row_number": 1,
         "kind": "court.unfulfilled", "occurred_at": day - timedelta(days=100)},
        {**base, "subject_code": "O2", "record_id": "u2", "row_number": 2,
         "kind": "court.unfulfilled", "occurred_at": day - timedelta(days=100)},
        {**base, "subject_code": "O2", "record_id": "l2", "row_number": 3,
         "kind": "tax.late", "occurred_at": day - timedelta(days=50)},
    ]  # fmt: skip
    overrides = {
        "u1": Override(voided=True),
        "u2": Override(repaired_on=day - timedelta(days=1)),
        "l2": Override(repaired_on=day + timedelta(days=30)),
    }
    _agree(ruleset, records, day, overrides)
    voided = explain(ruleset, "organization", "O1", records, day, overrides)
    assert voided.score == 1000 and [li.state for li in voided.listings] == ["revoked"]
    repaired = explain(ruleset, "organization", "O2", records, day, overrides)
    assert [li.state for li in repaired.listings] == ["repaired"]
    assert [(li.requirement_id, li.expires_on) for li in repaired.lines] == [
        ("LATE", day + timedelta(days=30))
    ]
    assert repaired.score == 995
