"""The fixed skeleton of the scoring plan, written once in Spark SQL and parsed by sqlglot.

``__name__`` columns are holes that ``fill`` replaces with expressions built from the ruleset;
nothing here depends on a ruleset, and no engine ever receives this text as it is.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from credence.errors import CompileError

TEMPLATE_DIALECT = "spark"


def fill(template: str, **parts: exp.Expr) -> exp.Expr:
    """Parse a Spark SQL skeleton and splice expressions in for ``__name__`` columns."""
    tree = sqlglot.parse_one(template, read=TEMPLATE_DIALECT)

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name.startswith("__"):
            key = node.name.strip("_")
            if key not in parts:
                raise CompileError(f"internal: no expression for placeholder {node.name}")
            return parts[key].copy()
        return node

    return tree.transform(swap)


# Record-local (``Step.local``): one record at a time, so an engine may run it where the records
# are read and move only what it keeps.
CONSENT_RECORDS = """
SELECT subject_kind, subject_code, kind, occurred_at,
       GET_JSON_OBJECT(attributes, '$.scope') AS scope
FROM records
WHERE kind IN (__granted__, __withdrawn__) AND subject_code IS NOT NULL AND occurred_at <= __as_of__
"""

CONSENT = """
SELECT subject_kind, subject_code, scope
FROM cr_consent_records
GROUP BY subject_kind, subject_code, scope
HAVING MAX(CASE WHEN kind = __granted__ THEN occurred_at END) IS NOT NULL
   AND (MAX(CASE WHEN kind = __withdrawn__ THEN occurred_at END) IS NULL
        OR MAX(CASE WHEN kind = __granted__ THEN occurred_at END)
           > MAX(CASE WHEN kind = __withdrawn__ THEN occurred_at END))
"""

SUBJECTS = """
SELECT s.subject_kind, s.subject_code,
       (s.subject_kind = 'organization' OR c.subject_code IS NOT NULL) AS scored
FROM subjects AS s
LEFT JOIN (SELECT subject_kind, subject_code FROM cr_consent WHERE scope = __scoring__) AS c
  ON c.subject_kind = s.subject_kind AND c.subject_code = s.subject_code
WHERE s.first_seen <= __as_of__
"""

# Kinds named exactly by a requirement need no data; prefixes are resolved against the kinds seen.
PREFIX_KINDS = """
SELECT k.kind, q.requirement_id
FROM (SELECT DISTINCT kind FROM records) AS k CROSS JOIN cr_requirements AS q
WHERE __kind_condition__
"""

# Only what a later step reads: records valid today (lines), records of black-list requirements
# (listings, their history included) and negative records inside the red list's clean window.
# Decisions on single records: an upheld appeal voids one, an approved credit repair ends it.
OVERRIDES = """
SELECT record_id,
       MAX(CASE WHEN action = 'void' THEN 1 ELSE 0 END) = 1 AS voided,
       MIN(CASE WHEN action = 'repair' THEN effective_on END) AS repaired_on
FROM record_overrides
GROUP BY record_id
"""

# Only what a later step reads: records valid today (lines), records of black-list requirements
# (listings, their history included) and negative records inside the red list's clean window.
# Record-local: each record meets the small tables alone (requirements, kinds, decisions).
CANDIDATES = """
SELECT r.record_id, r.source, r.level, r.subject_kind, r.subject_code, r.kind, r.occurred_at,
       r.amount, q.requirement_id, q.points, q.cap, q.black,
       COALESCE(o.voided, FALSE) AS voided, o.repaired_on,
       (NOT COALESCE(o.voided, FALSE)
        AND (q.valid_after IS NULL OR r.occurred_at > q.valid_after)
        AND (o.repaired_on IS NULL OR __as_of__ < o.repaired_on)) AS valid
FROM records AS r
JOIN cr_kind_map AS m ON r.kind = m.kind
JOIN cr_requirements AS q ON q.requirement_id = m.requirement_id
LEFT JOIN cr_overrides AS o ON o.record_id = r.record_id
WHERE r.subject_code IS NOT NULL AND r.occurred_at <= __as_of__
  AND (q.black
       OR (NOT COALESCE(o.voided, FALSE)
           AND (q.valid_after IS NULL OR r.occurred_at > q.valid_after
                OR (q.points < 0 AND r.occurred_at > __clean_start__))))
  AND ((r.subject_kind = 'person' AND q.for_person)
       OR (r.subject_kind = 'organization' AND q.for_organization))
  AND __residual__
"""

# A private record counts only with its subject's consent to that source (per subject).
MATCHED = """
SELECT c.record_id, c.source, c.subject_kind, c.subject_code, c.kind, c.occurred_at, c.amount,
       c.requirement_id, c.points, c.cap, c.black, c.voided, c.repaired_on, c.valid
FROM cr_candidates AS c
LEFT JOIN (SELECT * FROM cr_consent WHERE scope <> __scoring__) AS pc
  ON c.level = 'private' AND pc.subject_kind = c.subject_kind
 AND pc.subject_code = c.subject_code AND pc.scope = c.source
WHERE c.level <> 'private' OR pc.subject_code IS NOT NULL
"""

LINES = """
SELECT u.subject_kind, u.subject_code, u.rating_id, u.stream, u.requirement_id, u.record_id,
       u.source, u.kind, u.occurred_at, u.amount, u.points, u.cap, u.occurrence,
       (u.cap IS NULL OR u.occurrence <= u.cap) AS counted,
       CASE WHEN u.cap IS NULL OR u.occurrence <= u.cap THEN u.points ELSE 0 END AS points_applied,
       CASE WHEN u.repaired_on IS NOT NULL
                 AND (u.natural_end IS NULL OR u.repaired_on < u.natural_end) THEN u.repaired_on
            ELSE u.natural_end END AS expires_on,
       u.category, u.legal_basis, u.severity
FROM (
  SELECT t.*, q.rating_id, q.stream, q.category, q.legal_basis, q.severity,
         CASE WHEN e.tier_end IS NULL THEN e.valid_end
              WHEN e.valid_end IS NULL OR e.tier_end < e.valid_end THEN e.tier_end
              ELSE e.valid_end END AS natural_end
  FROM (
    SELECT m.*, ROW_NUMBER() OVER (
             PARTITION BY m.subject_kind, m.subject_code, m.requirement_id
             ORDER BY m.occurred_at, m.record_id) AS occurrence
    FROM cr_matched AS m
    JOIN cr_subjects AS s ON s.subject_kind = m.subject_kind AND s.subject_code = m.subject_code
    WHERE m.valid AND s.scored
  ) AS t
  JOIN cr_requirements AS q ON q.requirement_id = t.requirement_id
  CROSS JOIN LATERAL (SELECT
    CAST(DATE_ADD(CAST(ADD_MONTHS(t.occurred_at, q.valid_months) AS DATE), q.valid_days) AS DATE)
      AS valid_end,
    CAST(ADD_MONTHS(t.occurred_at, q.tier_months) AS DATE) AS tier_end) AS e
) AS u
"""

RATING_POINTS = """
SELECT subject_kind, subject_code, rating_id, stream, SUM(points_applied) AS points,
       COUNT(*) AS lines, SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS counted_lines
FROM score_lines
GROUP BY subject_kind, subject_code, rating_id, stream
"""

SCORES = """
SELECT t.subject_kind, t.subject_code, t.scored, t.score,
       CASE WHEN t.scored THEN __grade__ END AS grade,
       CASE WHEN t.scored THEN NULL ELSE 'no scoring consent on record' END AS note,
       __as_of__ AS as_of, __ruleset__ AS ruleset, __version__ AS version
FROM (
  SELECT s.subject_kind, s.subject_code, s.scored,
         CASE WHEN s.scored THEN CAST(__base__ + COALESCE(p.points, 0) AS INT) END AS score
  FROM cr_subjects AS s
  LEFT JOIN (SELECT subject_kind, subject_code, SUM(points) AS points
             FROM rating_points GROUP BY subject_kind, subject_code) AS p
    ON p.subject_kind = s.subject_kind AND p.subject_code = s.subject_code
) AS t
"""

BLACK = """
SELECT 'black' AS list_name, b.subject_kind, b.subject_code, b.record_id, b.requirement_id,
       CASE WHEN b.voided THEN 'revoked'
            WHEN __as_of__ >= b.expires_on THEN 'expired'
            WHEN b.repaired_on IS NOT NULL AND __as_of__ >= b.repaired_on THEN 'repaired'
            WHEN __as_of__ < b.published_on THEN 'proposed'
            ELSE 'published' END AS state,
       b.proposed_on, b.published_on, b.expires_on
FROM (
  SELECT m.subject_kind, m.subject_code, m.record_id, m.requirement_id, m.voided, m.repaired_on,
         m.occurred_at AS proposed_on,
         CAST(DATE_ADD(m.occurred_at, __notice__) AS DATE) AS published_on,
         CAST(DATE_ADD(
                CAST(ADD_MONTHS(DATE_ADD(m.occurred_at, __notice__), __dur_months__) AS DATE),
                __dur_days__) AS DATE) AS expires_on
  FROM cr_matched AS m WHERE m.black
) AS b
"""

RED = """
SELECT 'red' AS list_name, s.subject_kind, s.subject_code, CAST(NULL AS STRING) AS record_id,
       CAST(NULL AS STRING) AS requirement_id, 'published' AS state, __as_of__ AS proposed_on,
       __as_of__ AS published_on, CAST(NULL AS DATE) AS expires_on
FROM (SELECT subject_kind, subject_code, scored, grade, __rank__ AS grade_rank FROM scores) AS s
LEFT JOIN (SELECT DISTINCT subject_kind, subject_code FROM cr_matched
           WHERE points < 0 AND occurred_at > __clean_start__ AND NOT voided) AS dirty
  ON dirty.subject_kind = s.subject_kind AND dirty.subject_code = s.subject_code
LEFT JOIN (SELECT DISTINCT subject_kind, subject_code FROM cr_black
           WHERE state IN ('proposed', 'published')) AS bl
  ON bl.subject_kind = s.subject_kind AND bl.subject_code = s.subject_code
WHERE s.scored AND dirty.subject_code IS NULL AND bl.subject_code IS NULL
  AND s.grade_rank <= __min_rank__
"""

EMPTY_LISTINGS = """
SELECT CAST(NULL AS STRING) AS list_name, CAST(NULL AS STRING) AS subject_kind,
       CAST(NULL AS STRING) AS subject_code, CAST(NULL AS STRING) AS record_id,
       CAST(NULL AS STRING) AS requirement_id, CAST(NULL AS STRING) AS state,
       CAST(NULL AS DATE) AS proposed_on, CAST(NULL AS DATE) AS published_on,
       CAST(NULL AS DATE) AS expires_on
WHERE 1 = 0
"""

MEASURES = """
SELECT DISTINCT l.subject_kind, l.subject_code, m.measure_id, m.via, m.effect, m.legal_basis
FROM listings AS l JOIN cr_measures AS m ON m.via = CONCAT('list:', l.list_name)
WHERE l.state = 'published'
UNION ALL
SELECT s.subject_kind, s.subject_code, m.measure_id, m.via, m.effect, m.legal_basis
FROM scores AS s JOIN cr_measures AS m ON m.via = CONCAT('grade:', s.subject_kind, ':', s.grade)
WHERE s.scored
"""
