"""Benchmark data: N subjects with valid codes and R records drawn by DuckDB, written as Parquet.

Codes come from python-stdnum (through credence.identifiers); the records themselves are drawn in
SQL so that 100M rows take minutes, not hours. Every person has a scoring consent record, so the
hand-written floor (which ignores consent) must reach the same totals as the full plan.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from credence.identifiers import generate_ric, generate_uscc
from credence.rules.spec import Ruleset

ORG_SHARE = 0.1
NOISE_KINDS = ("tax.filing.on_time", "market.inspection.passed", "info.address.changed")

MAPPING = """\
source: bench-SOURCE
description: Benchmark records drawn at random
level: city
stream: STREAM
category: CATEGORY
consent_required: false
subject_kind: {column: subject_type, values: {ORG: organization, PER: person}}
fields:
  record_key: rid
  subject_code: code
  kind: event
  occurred_at: {column: day, format: "%Y-%m-%d"}
  amount: amount
attributes: {fulfilled: fulfilled, scope: scope}
kinds: [KINDS]
"""


def ruleset_kinds(ruleset: Ruleset) -> list[str]:
    """Every exact kind the ruleset names (prefix conditions are not used by the starter)."""
    kinds: set[str] = set()
    for _, req in ruleset.requirements():
        kinds |= set(req.when.kind.exact() or ())
    return sorted(kinds)


def write_subjects(path: Path, subjects: int, seed: int) -> None:
    """subjects.parquet: idx, code, subject_type (ORG / PER), in chunks of a million."""
    rng = random.Random(seed)
    orgs = max(1, int(subjects * ORG_SHARE))
    schema = pa.schema([("idx", pa.int64()), ("code", pa.string()), ("subject_type", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, subjects, 1_000_000):
            stop = min(subjects, start + 1_000_000)
            codes = [
                generate_uscc(rng) if i < orgs else generate_ric(rng) for i in range(start, stop)
            ]
            kinds = ["ORG" if i < orgs else "PER" for i in range(start, stop)]
            writer.write_table(
                pa.table(
                    {"idx": list(range(start, stop)), "code": codes, "subject_type": kinds}, schema
                )
            )


def write_records(
    folder: Path, subjects_file: Path, subjects: int, records: int, kinds: list[str], end: str
) -> list[tuple[Path, Path]]:
    """Two sources: consents (one per person) and events drawn over ten years before ``end``.

    Returns (data file, mapping file) pairs in ingest order.
    """
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    every = [*kinds, *NOISE_KINDS]
    con.execute(
        "CREATE TEMP TABLE kind_ids AS SELECT kind, row_number() OVER (ORDER BY kind) - 1 AS k "
        "FROM (SELECT unnest(?::VARCHAR[]) AS kind)",
        [every],
    )
    subjects_sql = f"read_parquet('{subjects_file}')"
    consents, events = folder / "consents.parquet", folder / "events.parquet"
    con.execute(
        f"""
        COPY (
          SELECT 'c' || idx AS rid, code, subject_type, 'consent.granted' AS event,
                 strftime(DATE '{end}' - INTERVAL 3650 DAY, '%Y-%m-%d') AS day,
                 NULL::DOUBLE AS amount, NULL::VARCHAR AS fulfilled, 'scoring' AS scope
          FROM {subjects_sql} WHERE subject_type = 'PER'
        ) TO '{consents}' (FORMAT parquet)
        """
    )
    n_people = con.execute(f"SELECT COUNT(*) FROM {subjects_sql} WHERE subject_type = 'PER'")
    drawn = max(records - int((n_people.fetchone() or (0,))[0]), 0)
    con.execute(
        f"""
        COPY (
          SELECT 'e' || r.i AS rid, s.code, s.subject_type, k.kind AS event,
                 strftime(DATE '{end}' - CAST(floor(random() * 3650) AS INTEGER), '%Y-%m-%d')
                   AS day,
                 round(exp(random() * 13), 2) AS amount,
                 CASE WHEN k.kind LIKE 'court.judgment.%' THEN 'false' END AS fulfilled,
                 NULL::VARCHAR AS scope
          FROM (SELECT range AS i,
                       -- a heavy tail: low indexes get far more records than high ones
                       CAST(floor(pow(random(), 2.5) * {subjects}) AS BIGINT) AS subject,
                       CAST(floor(random() * {len(every)}) AS BIGINT) AS k
                FROM range({drawn})) r
          JOIN {subjects_sql} s ON s.idx = r.subject
          JOIN kind_ids k ON k.k = r.k
        ) TO '{events}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """
    )
    con.close()
    pairs = []
    for data, name, stream, category, kinds_listed in (
        (consents, "consents", "social", "consent", ["consent.granted"]),
        (events, "events", "administrative", "admin_penalty", every),
    ):
        mapping = data.with_suffix(".yaml")
        text = (
            MAPPING.replace("SOURCE", name)
            .replace("STREAM", stream)
            .replace("CATEGORY", category)
            .replace("KINDS", ", ".join(sorted(kinds_listed)))
        )
        mapping.write_text(text, encoding="utf-8")
        pairs.append((data, mapping))
    return pairs
