"""The floor: a hand-written DuckDB aggregate of the same points over the same records.

It computes the same scores (every subject named by the records, people only with scoring
consent, points within their window, caps, amounts and attributes) with the least SQL that gets
them right for the starter ruleset, and nothing else: no score lines, ranks, grades, lists or
measures. It reads the records directly, as a hand-written query would. Its totals are checked
against the full plan's scores; the full rescore is measured against its time.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from credence.rules.duration import SEVERITY_LIMITS
from credence.rules.spec import Ruleset, subject_kinds
from credence.runs import results
from credence.store import Workspace

FLOOR_SQL = """
CREATE OR REPLACE TEMP TABLE floor_scores AS
WITH req(kind, lo, hi, fulfilled, points, cap, months, days, tier, person, org) AS (
  VALUES {values}),
subjects AS (
  SELECT DISTINCT subject_kind, subject_code FROM records
  WHERE subject_code IS NOT NULL AND occurred_at <= DATE '{as_of}'
),
consenting AS (
  SELECT subject_code FROM records
  WHERE subject_kind = 'person' AND kind IN ('consent.granted', 'consent.withdrawn')
    AND attributes ->> '$.scope' = 'scoring' AND occurred_at <= DATE '{as_of}'
  GROUP BY subject_code
  HAVING max(occurred_at) FILTER (WHERE kind = 'consent.granted')
       > coalesce(max(occurred_at) FILTER (WHERE kind = 'consent.withdrawn'), DATE '0001-01-01')
),
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
),
points AS (
  SELECT subject_kind, subject_code, SUM(points * least(n, coalesce(cap, n))) AS points
  FROM hits GROUP BY ALL
)
SELECT s.subject_kind, s.subject_code,
       CASE WHEN s.subject_kind = 'organization' OR c.subject_code IS NOT NULL
            THEN {base} + coalesce(p.points, 0) END AS score
FROM subjects s
LEFT JOIN consenting c ON s.subject_kind = 'person' AND c.subject_code = s.subject_code
LEFT JOIN points p ON p.subject_kind = s.subject_kind AND p.subject_code = s.subject_code
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
            "SELECT COUNT(*) FROM floor_scores f "
            f"FULL JOIN {results.require_current(con).table('scores')} s "
            "USING (subject_kind, subject_code) WHERE s.score IS DISTINCT FROM f.score"
        ).fetchone() or (0,)
    finally:
        con.close()
    return {
        "query_seconds": round(query_seconds, 2),
        "subjects": int(subjects),
        "mismatches": int(mismatches),
    }
