"""Safeguards at scoring time, on the starter ruleset and hand-made records."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import duckdb

from credence.engines.duckdb_engine import DuckDBEngine
from credence.identifiers import generate_ric
from credence.rules.compile import compile_plan
from credence.rules.explain import explain
from credence.rules.loader import default_ruleset_path, load_ruleset
from tests.test_plan_explainer_agree import _records_table

DAY = date(2026, 6, 30)
RULESET = load_ruleset(default_ruleset_path())


def _record(code: str, rid: str, kind: str, days_ago: int, **extra: Any) -> dict[str, Any]:
    base = {
        "record_id": rid, "source": "city-intermediate-court", "level": "city",
        "stream": "judicial", "category": "court_judgment", "subject_kind": "person",
        "subject_code": code, "hints": None, "kind": kind,
        "occurred_at": DAY - timedelta(days=days_ago),
        "amount": None, "attributes": None, "batch_id": "b", "row_number": 1, "consent_ref": None,
    }  # fmt: skip
    return {**base, **extra}


def _run(records: list[dict[str, Any]]) -> DuckDBEngine:
    con = duckdb.connect()
    _records_table(con, records)
    engine = DuckDBEngine(con)
    engine.run_plan(compile_plan(RULESET, DAY))
    return engine


def test_without_consent_no_score_but_the_black_listing_from_a_judgment_stands() -> None:
    code = generate_ric(random.Random(3))
    records = [
        _record(
            code,
            "j1",
            "court.judgment.unfulfilled",
            40,
            attributes=json.dumps({"fulfilled": False}),
        ),
    ]
    engine = _run(records)
    score = engine.fetch("SELECT scored, score, grade, note FROM scores")
    assert score == [
        {"scored": False, "score": None, "grade": None, "note": "no scoring consent on record"}
    ]
    assert engine.fetch("SELECT COUNT(*) AS n FROM score_lines") == [{"n": 0}]
    listing = engine.fetch("SELECT list_name, state, record_id FROM listings")
    assert listing == [{"list_name": "black", "state": "published", "record_id": "j1"}]
    measures = {m["measure_id"] for m in engine.fetch("SELECT measure_id FROM subject_measures")}
    assert measures == set(RULESET.lists.black.measures)  # type: ignore[union-attr]
    ex = explain(RULESET, "person", code, records, DAY)
    assert not ex.scored and [li.state for li in ex.listings] == ["published"]


def test_consent_withdrawn_later_stops_scoring_and_a_new_grant_restores_it() -> None:
    code = generate_ric(random.Random(4))
    scoring = json.dumps({"scope": "scoring"})
    granted = _record(
        code, "c1", "consent.granted", 900, attributes=scoring, source="consent", level="city"
    )
    withdrawn = _record(
        code, "c2", "consent.withdrawn", 100, attributes=scoring, source="consent", level="city"
    )
    regranted = _record(
        code, "c3", "consent.granted", 10, attributes=scoring, source="consent", level="city"
    )
    assert _run([granted]).fetch("SELECT scored FROM scores") == [{"scored": True}]
    assert _run([granted, withdrawn]).fetch("SELECT scored FROM scores") == [{"scored": False}]
    assert _run([granted, withdrawn, regranted]).fetch("SELECT scored FROM scores") == [
        {"scored": True}
    ]


def test_a_black_listing_is_proposed_during_its_notice_period() -> None:
    code = generate_ric(random.Random(5))
    notice = RULESET.lists.black.notice_days  # type: ignore[union-attr]
    records = [
        _record(
            code,
            "j1",
            "court.judgment.unfulfilled",
            notice - 1,
            attributes=json.dumps({"fulfilled": False}),
        ),
    ]
    engine = _run(records)
    assert engine.fetch("SELECT state FROM listings") == [{"state": "proposed"}]
    assert engine.fetch("SELECT COUNT(*) AS n FROM subject_measures WHERE via = 'list:black'") == [
        {"n": 0}
    ]
