"""The floor: a hand-written DuckDB aggregate of the same points over the same records.

It computes only totals (no lines, no ranks, no lists, no measures) with the least SQL that gets
them right for the starter ruleset, and checks them against the full plan's scores. The full
rescore is measured against this.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from credence.rules.duration import SEVERITY_LIMITS
from credence.rules.spec import Ruleset, subject_kinds
from credence.store import Workspace

FLOOR_SQL = """
CREATE OR REPLACE TEMP TABLE floor_scores AS
WITH req(kind, lo, hi, fulfilled, points, cap, months, days, tier, person, org) AS (
  VALUES {values}),
hits AS (
  SELECT r.subject_kind, r.subject_code, q.kind, q.lo, q.points, q.cap, COUNT(*) AS n
  FROM records r
  JOIN req q ON r.kind = q.kind
   AND (q.lo IS NULL OR r.amount >= q.lo) AND (q.hi IS NULL OR r.amount < q.hi)
   AND (q.fulfilled IS NULL OR lower(r.attributes ->> '$.fulfilled') = q.fulfilled)
   AND (CASE r.subject_kind WHEN 'person' THEN q.person ELSE q.org END)
  WHERE r.occurred_at <= DATE '{as_of}'
    AND DATE '{as_of}' < least(
          r.occurred_at + to_months(q.months) + to_days(q.days),
          r.occurred_at + to_months(coalesce(q.tier, 1200)))
  GROUP BY ALL
)
SELECT subject_kind, subject_code, {base} + SUM(points * least(n, coalesce(cap, n))) AS score
FROM hits GROUP BY ALL
"""


def _values(ruleset: Ruleset) -> str:
    rows = []
    for rating, req in ruleset.requirements():
        kinds = req.when.kind.exact()
        applies = subject_kinds(rating, req)
        amount = req.when.amount.operators() if req.when.amount else {}
        if kinds is None or len(kinds) != 1 or set(amount) - {"gte", "lt"} or req.valid_for is None:
            raise ValueError(f"the floor handles only what the starter ruleset uses: {req.id}")
        fulfilled = req.when.attributes.get("fulfilled")
        expected = "NULL" if fulfilled is None else f"'{str(fulfilled.eq).lower()}'"
        tier = SEVERITY_LIMITS[req.severity].months if req.severity else None
        rows.append(
            f"('{next(iter(kinds))}', {amount.get('gte', 'NULL')}, {amount.get('lt', 'NULL')}, "
            f"{expected}, {req.points}, "
            f"{req.cap if req.cap else 'NULL'}, {req.valid_for.months}, {req.valid_for.days}, "
            f"{tier if tier is not None else 'NULL'}, {'person' in applies}, "
            f"{'organization' in applies})"
        )
    return ", ".join(rows)


def floor_scores(ws: Workspace, ruleset: Ruleset, as_of: date) -> dict[str, Any]:
    """Run the floor, time it alone, and count subjects whose totals differ from the plan's."""
    con = ws.connect()
    try:
        started = time.perf_counter()
        con.execute(
            FLOOR_SQL.format(
                values=_values(ruleset), as_of=as_of.isoformat(), base=ruleset.base_points
            )
        )
        query_seconds = time.perf_counter() - started
        (subjects,) = con.execute("SELECT COUNT(*) FROM floor_scores").fetchone() or (0,)
        (mismatches,) = con.execute(
            "SELECT COUNT(*) FROM floor_scores f JOIN scores s USING (subject_kind, subject_code) "
            "WHERE s.scored AND s.score <> f.score"
        ).fetchone() or (0,)
    finally:
        con.close()
    return {
        "query_seconds": round(query_seconds, 2),
        "subjects_with_points": int(subjects),
        "mismatches": int(mismatches),
    }
