"""Plain rows checked in Python give exactly the staged rows of the SQL check."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.identifiers import generate_ric, generate_uscc
from credence.ingest.codes import ensure_check_functions
from credence.ingest.mapping import SourceMapping, parse_mapping
from credence.ingest.pipeline import small_check_sql
from credence.ingest.plain_rows import plain_rows
from credence.ingest.plan import CHUNK, ChunkPlan
from credence.ingest.readers import LINE, ROW

TODAY = date(2026, 11, 1)
AT = datetime(2026, 11, 1, 9, 30, 12, 345678, tzinfo=UTC)
BATCH = "b-plain"
KINDS = ["tax.filing.late", "court.judgment.unfulfilled"]

# Keyed, like the benchmark's source: kinds from a column, an ISO format, attributes.
KEYED = """
source: keyed
level: city
stream: administrative
category: admin_penalty
subject_kind: {column: subject_type, values: {ORG: organization, PER: person}}
fields:
  record_key: rid
  subject_code: code
  kind: event
  occurred_at: {column: day, format: "%Y-%m-%d"}
  amount: amount
attributes: {fulfilled: fulfilled, scope: scope}
kinds: [tax.filing.late, court.judgment.unfulfilled]
"""
# Content-hashed: kinds by value map, names and a category per row, consent needed.
CONTENT = """
source: content
level: private
stream: commercial
category: loan
consent_required: true
subject_kind: {column: holder}
fields:
  subject_code: code
  kind: {column: event, values: {LATE: tax.filing.late, UNF: court.judgment.unfulfilled}}
  occurred_at: day
  amount: amount
  consent_ref: consent
  category: cat
hints: {name: name, address: addr}
attributes: {channel: channel}
kinds: [tax.filing.late, court.judgment.unfulfilled]
"""
# A two-key record key and a constant subject kind and event kind.
CONSTANT = """
source: constant
level: district
stream: judicial
category: court_judgment
subject_kind: organization
fields:
  record_key: [case, line]
  subject_code: code
  kind: {value: court.judgment.unfulfilled}
  occurred_at: day
kinds: [court.judgment.unfulfilled]
"""
MAPPINGS = {name: parse_mapping(text) for name, text in
            (("keyed", KEYED), ("content", CONTENT), ("constant", CONSTANT))}  # fmt: skip


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_check_functions(connection)
    return connection


def _chunk(lines: list[str]) -> pa.Table:
    return pa.table({ROW: pa.array(range(1, len(lines) + 1), pa.int64()), LINE: lines})


def _sql_rows(
    con: duckdb.DuckDBPyConnection, mapping: SourceMapping, lines: list[str]
) -> list[dict[str, Any]]:
    """The definition: the chunk's whole check as the one SQL statement of a small file."""
    plan = ChunkPlan(mapping, "jsonl", {}, TODAY)
    con.register(CHUNK, _chunk(lines))
    try:
        found = con.execute(small_check_sql(plan, plan.staged_sql(BATCH, AT)))
        names = [d[0] for d in found.description or []]
        rows = [dict(zip(names, row, strict=True)) for row in found.fetchall()]
    finally:
        con.unregister(CHUNK)
    for row in rows:
        row["ingested_at"] = row["ingested_at"].astimezone(UTC)
    return sorted(rows, key=lambda r: r["row_number"])


def _plain(mapping: SourceMapping, lines: list[str]) -> list[dict[str, Any]] | None:
    return plain_rows(ChunkPlan(mapping, "jsonl", {}, TODAY), _chunk(lines), BATCH, AT)


def _code(seed: int, kind: str) -> str:
    rng = random.Random(seed)
    return generate_ric(rng) if kind == "person" else generate_uscc(rng)


def _good(mapping: str, seed: int = 1) -> dict[str, Any]:
    code = _code(seed, "organization")
    if mapping == "keyed":
        return {"rid": f"r-{seed}", "code": code, "subject_type": "ORG",
                "event": "tax.filing.late", "day": "2026-10-01", "amount": 100.0,
                "fulfilled": True, "scope": None}  # fmt: skip
    if mapping == "content":
        return {"code": code, "holder": "Organization", "event": "UNF", "day": "2026-09-30",
                "amount": "12.50", "consent": "c-1", "cat": "loan", "name": "Acme \"东方\" Ltd",
                "addr": "1 Road\\2", "channel": 7}  # fmt: skip
    return {"case": f"K-{seed}", "line": 2, "code": code, "day": "2026-01-02"}


@pytest.mark.parametrize("mapping", sorted(MAPPINGS))
def test_a_plain_row_is_staged_in_python_as_the_sql_stages_it(
    con: duckdb.DuckDBPyConnection, mapping: str
) -> None:
    lines = [json.dumps(_good(mapping, seed)) for seed in (1, 2, 3)]
    plain = _plain(MAPPINGS[mapping], lines)
    assert plain is not None, "a plain row must not need the SQL check"
    assert plain == _sql_rows(con, MAPPINGS[mapping], lines)
    assert [r["reason"] for r in plain] == [None, None, None]
    assert len({r["record_id"] for r in plain}) == 3


@pytest.mark.parametrize(
    ("mapping", "change"),
    [
        ("keyed", {"rid": "  "}),  # missing_field
        ("keyed", {"code": "91350100M000100Y40"}),  # bad_check_digit
        ("keyed", {"subject_type": "XYZ"}),  # unknown_subject_kind
        ("keyed", {"event": "speech.posted"}),  # unknown_kind
        ("keyed", {"day": "2027-01-01"}),  # future_date
        ("keyed", {"day": "2026-02-30"}),  # unparseable_date
        ("keyed", {"amount": "ten"}),  # wrong_type
        ("keyed", {"amount": 1e21}),  # a number DuckDB spells its own way
        ("keyed", {"scope": {"nested": 1}}),  # an object as a value
        ("content", {"cat": "religion"}),  # forbidden_category
        ("content", {"consent": None}),  # missing_consent
        ("content", {"holder": "Organización"}),  # lower() beyond ASCII
        ("content", {"code": None, "name": None}),  # missing_subject_code
    ],
)
def test_a_row_that_fails_or_is_not_plain_goes_to_the_sql(
    con: duckdb.DuckDBPyConnection, mapping: str, change: dict[str, Any]
) -> None:
    lines = [json.dumps(_good(mapping, 1)), json.dumps(_good(mapping, 2) | change)]
    assert _plain(MAPPINGS[mapping], lines) is None
    assert len(_sql_rows(con, MAPPINGS[mapping], lines)) == 2


def test_lines_that_are_not_plain_json_go_to_the_sql() -> None:
    good = json.dumps(_good("keyed"))
    for line in ["[1, 2]", "{not json", '{"rid": "a", "rid": "b"}', '{"amount": NaN}']:
        assert _plain(MAPPINGS["keyed"], [good, line]) is None
    assert _plain(MAPPINGS["keyed"], [good, "  ", good + "\r"]) is not None  # blanks skipped


# -- the property: whenever the Python answers, it answers as the SQL does -------------------

_TEXT = st.text(
    alphabet=st.sampled_from(list("aZ09 -_.,/\"\\'é中東\t\n\r\x1f\u2028\x7f")), max_size=8
)
_NUMBER_TEXTS = st.sampled_from(
    ["0", "-0", "7", "007", "100", "-5", "12345678901234567890", "100.0", "100.10", "0.1",
     "-0.0", "1e3", "1.5e-7", "0.000001", "123456789012345.678901", "999999999999999.9"]
)  # fmt: skip
_DAYS = st.sampled_from(
    ["2026-10-01", "2026-11-01", "2026-11-02", "1999-12-31", "2026-02-30", "2026-1-5",
     " 2026-03-04 ", "2026/03/04", "20260304", "2026-03-04T10:00:00", "2026-03-04 10:00"]
)  # fmt: skip


@st.composite
def _fragment(draw: st.DrawFn, column: str) -> str | None:
    """An unusual JSON text for a value (None: the key is left out)."""
    choice = draw(st.integers(0, 8))
    if choice == 0:
        return None
    if choice == 1:
        return draw(_NUMBER_TEXTS)
    if choice == 2:
        return draw(st.sampled_from(["null", "true", "false", "[]", '{"a": 1}', '""', '"  "']))
    if choice == 3:
        return json.dumps(draw(_TEXT), ensure_ascii=draw(st.booleans()))
    if choice == 4:
        code = _code(draw(st.integers(0, 50)), draw(st.sampled_from(["person", "organization"])))
        return json.dumps(draw(st.sampled_from([code, code.lower(), f" {code[:9]} {code[9:]}"])))
    if choice == 5:
        return json.dumps(draw(_DAYS))
    if choice == 6:
        options = ["ORG", "PER", "LATE", "UNF", "person", "Organization", *KINDS, "xyz"]
        return json.dumps(draw(st.sampled_from(options)))
    if choice == 7:
        return json.dumps(draw(st.sampled_from(["loan", "religion", "admin_penalty", "tax"])))
    return json.dumps(f"  {draw(_TEXT)}  ", ensure_ascii=False)


@st.composite
def _lines(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A few rows of a mapping: typical rows with none, one or two values made unusual."""
    mapping = draw(st.sampled_from(sorted(MAPPINGS)))
    columns = MAPPINGS[mapping].columns()
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        typical = _good(mapping, draw(st.integers(0, 10**6)))
        pairs = {c: json.dumps(typical.get(c), ensure_ascii=False) for c in columns}
        for column in draw(st.lists(st.sampled_from(columns), max_size=2)):
            pairs[column] = draw(_fragment(column))
        body = ", ".join(f"{json.dumps(c)}: {f}" for c, f in pairs.items() if f is not None)
        lines.append("{" + body + "}" + draw(st.sampled_from(["", "\r", "  "])))
    return mapping, lines


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_lines())
def test_python_and_sql_stage_the_same_rows(
    con: duckdb.DuckDBPyConnection, case: tuple[str, list[str]]
) -> None:
    mapping, lines = case
    plain = _plain(MAPPINGS[mapping], lines)
    if plain is not None:
        assert plain == _sql_rows(con, MAPPINGS[mapping], lines)
