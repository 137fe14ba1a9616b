-- cr_requirements
SELECT
  CAST(v.requirement_id AS STRING) AS requirement_id,
  CAST(v.rating_id AS STRING) AS rating_id,
  CAST(v.stream AS STRING) AS stream,
  CAST(v.points AS INT) AS points,
  CAST(v.cap AS INT) AS cap,
  CAST(v.valid_months AS INT) AS valid_months,
  CAST(v.valid_days AS INT) AS valid_days,
  CAST(v.tier_months AS INT) AS tier_months,
  CAST(v.black AS BOOLEAN) AS black,
  CAST(v.for_person AS BOOLEAN) AS for_person,
  CAST(v.for_organization AS BOOLEAN) AS for_organization,
  CAST(v.category AS STRING) AS category,
  CAST(v.legal_basis AS STRING) AS legal_basis,
  CAST(v.severity AS STRING) AS severity,
  CAST(v.valid_after AS DATE) AS valid_after
FROM VALUES
  (
    'TAX-LATE-FILING',
    'tax-compliance',
    'administrative',
    -5,
    3,
    36,
    0,
    NULL,
    FALSE,
    TRUE,
    TRUE,
    'tax',
    'Law on the Administration of Tax Collection',
    NULL,
    CAST('2023-11-27' AS DATE)
  ),
  (
    'TAX-EVASION',
    'tax-compliance',
    'administrative',
    -150,
    NULL,
    60,
    0,
    NULL,
    TRUE,
    TRUE,
    TRUE,
    'court_judgment',
    'not stated',
    NULL,
    CAST('2021-11-27' AS DATE)
  ) AS v(requirement_id, rating_id, stream, points, cap, valid_months, valid_days, tier_months, black, for_person, for_organization, category, legal_basis, severity, valid_after);

-- cr_measures
SELECT
  via,
  measure_id,
  effect,
  legal_basis
FROM VALUES
  (
    'list:black',
    'inspection-high',
    '{"inspection_rate": 0.98}',
    'Provisions on random inspection of market entities'
  ),
  (
    'list:black',
    'procurement-exclusion',
    '{"may_bid_public_tenders": false}',
    'Government Procurement Law'
  ),
  (
    'list:red',
    'inspection-low',
    '{"inspection_rate": 0.005}',
    'Provisions on random inspection of market entities'
  ) AS v(via, measure_id, effect, legal_basis);

-- cr_kind_map
SELECT
  kind,
  requirement_id
FROM VALUES
  ('tax.filing.late', 'TAX-LATE-FILING'),
  ('tax.evasion.judgment', 'TAX-EVASION') AS v(kind, requirement_id);

-- cr_overrides
SELECT
  record_id,
  MAX(CASE WHEN action = 'void' THEN 1 ELSE 0 END) = 1 AS voided,
  MIN(CASE WHEN action = 'repair' THEN effective_on END) AS repaired_on
FROM record_overrides
GROUP BY
  record_id;

-- cr_consent_records
SELECT
  subject_kind,
  subject_code,
  kind,
  occurred_at,
  GET_JSON_OBJECT(attributes, '$.scope') AS scope
FROM records
WHERE
  kind IN ('consent.granted', 'consent.withdrawn')
  AND NOT subject_code IS NULL
  AND occurred_at <= CAST('2026-11-27' AS DATE);

-- cr_candidates
SELECT
  r.record_id,
  r.source,
  r.level,
  r.subject_kind,
  r.subject_code,
  r.kind,
  r.occurred_at,
  r.amount,
  q.requirement_id,
  q.points,
  q.cap,
  q.black,
  COALESCE(o.voided, FALSE) AS voided,
  o.repaired_on,
  (
    NOT COALESCE(o.voided, FALSE)
    AND (
      q.valid_after IS NULL OR r.occurred_at > q.valid_after
    )
    AND (
      o.repaired_on IS NULL OR CAST('2026-11-27' AS DATE) < o.repaired_on
    )
  ) AS valid
FROM records AS r
JOIN cr_kind_map AS m
  ON r.kind = m.kind
JOIN cr_requirements AS q
  ON q.requirement_id = m.requirement_id
LEFT JOIN cr_overrides AS o
  ON o.record_id = r.record_id
WHERE
  NOT r.subject_code IS NULL
  AND r.occurred_at <= CAST('2026-11-27' AS DATE)
  AND (
    q.black
    OR (
      NOT COALESCE(o.voided, FALSE)
      AND (
        q.valid_after IS NULL
        OR r.occurred_at > q.valid_after
        OR (
          q.points < 0 AND r.occurred_at > CAST('2023-11-27' AS DATE)
        )
      )
    )
  )
  AND (
    (
      r.subject_kind = 'person' AND q.for_person
    )
    OR (
      r.subject_kind = 'organization' AND q.for_organization
    )
  )
  AND CASE q.requirement_id WHEN 'TAX-EVASION' THEN r.amount >= 100000.0 ELSE TRUE END;

-- cr_consent
SELECT
  subject_kind,
  subject_code,
  scope
FROM cr_consent_records
GROUP BY
  subject_kind,
  subject_code,
  scope
HAVING
  NOT MAX(CASE WHEN kind = 'consent.granted' THEN occurred_at END) IS NULL
  AND (
    MAX(CASE WHEN kind = 'consent.withdrawn' THEN occurred_at END) IS NULL
    OR MAX(CASE WHEN kind = 'consent.granted' THEN occurred_at END) > MAX(CASE WHEN kind = 'consent.withdrawn' THEN occurred_at END)
  );

-- cr_subjects
SELECT
  s.subject_kind,
  s.subject_code,
  (
    s.subject_kind = 'organization' OR NOT c.subject_code IS NULL
  ) AS scored
FROM subjects AS s
LEFT JOIN (
  SELECT
    subject_kind,
    subject_code
  FROM cr_consent
  WHERE
    scope = 'scoring'
) AS c
  ON c.subject_kind = s.subject_kind AND c.subject_code = s.subject_code
WHERE
  s.first_seen <= CAST('2026-11-27' AS DATE);

-- cr_matched
SELECT
  c.record_id,
  c.source,
  c.subject_kind,
  c.subject_code,
  c.kind,
  c.occurred_at,
  c.amount,
  c.requirement_id,
  c.points,
  c.cap,
  c.black,
  c.voided,
  c.repaired_on,
  c.valid
FROM cr_candidates AS c
LEFT JOIN (
  SELECT
    *
  FROM cr_consent
  WHERE
    scope <> 'scoring'
) AS pc
  ON c.level = 'private'
  AND pc.subject_kind = c.subject_kind
  AND pc.subject_code = c.subject_code
  AND pc.scope = c.source
WHERE
  c.level <> 'private' OR NOT pc.subject_code IS NULL;

-- score_lines
SELECT
  u.subject_kind,
  u.subject_code,
  u.rating_id,
  u.stream,
  u.requirement_id,
  u.record_id,
  u.source,
  u.kind,
  u.occurred_at,
  u.amount,
  u.points,
  u.cap,
  u.occurrence,
  (
    u.cap IS NULL OR u.occurrence <= u.cap
  ) AS counted,
  CASE WHEN u.cap IS NULL OR u.occurrence <= u.cap THEN u.points ELSE 0 END AS points_applied,
  CASE
    WHEN NOT u.repaired_on IS NULL
    AND (
      u.natural_end IS NULL OR u.repaired_on < u.natural_end
    )
    THEN u.repaired_on
    ELSE u.natural_end
  END AS expires_on,
  u.category,
  u.legal_basis,
  u.severity
FROM (
  SELECT
    t.*,
    q.rating_id,
    q.stream,
    q.category,
    q.legal_basis,
    q.severity,
    CASE
      WHEN e.tier_end IS NULL
      THEN e.valid_end
      WHEN e.valid_end IS NULL OR e.tier_end < e.valid_end
      THEN e.tier_end
      ELSE e.valid_end
    END AS natural_end
  FROM (
    SELECT
      m.*,
      ROW_NUMBER() OVER (
        PARTITION BY m.subject_kind, m.subject_code, m.requirement_id
        ORDER BY m.occurred_at, m.record_id
      ) AS occurrence
    FROM cr_matched AS m
    JOIN cr_subjects AS s
      ON s.subject_kind = m.subject_kind AND s.subject_code = m.subject_code
    WHERE
      m.valid AND s.scored
  ) AS t
  JOIN cr_requirements AS q
    ON q.requirement_id = t.requirement_id
  CROSS JOIN LATERAL (
    SELECT
      CAST(DATE_ADD(CAST(ADD_MONTHS(t.occurred_at, q.valid_months) AS DATE), q.valid_days) AS DATE) AS valid_end,
      CAST(ADD_MONTHS(t.occurred_at, q.tier_months) AS DATE) AS tier_end
  ) AS e
) AS u;

-- rating_points
SELECT
  subject_kind,
  subject_code,
  rating_id,
  stream,
  SUM(points_applied) AS points,
  COUNT(*) AS lines,
  SUM(CASE WHEN counted THEN 1 ELSE 0 END) AS counted_lines
FROM score_lines
GROUP BY
  subject_kind,
  subject_code,
  rating_id,
  stream;

-- scores
SELECT
  t.subject_kind,
  t.subject_code,
  t.scored,
  t.score,
  CASE
    WHEN t.scored
    THEN CASE
      WHEN subject_kind = 'person' AND t.score >= 1050
      THEN 'AAA'
      WHEN subject_kind = 'person' AND t.score >= 1030
      THEN 'AA'
      WHEN subject_kind = 'person' AND t.score >= 960
      THEN 'A'
      WHEN subject_kind = 'person' AND t.score >= 850
      THEN 'B'
      WHEN subject_kind = 'person' AND t.score >= 600
      THEN 'C'
      WHEN subject_kind = 'person'
      THEN 'D'
      WHEN subject_kind = 'organization' AND t.score >= 1030
      THEN '1'
      WHEN subject_kind = 'organization' AND t.score >= 960
      THEN '2'
      WHEN subject_kind = 'organization' AND t.score >= 850
      THEN '3'
      WHEN subject_kind = 'organization'
      THEN '4'
    END
  END AS grade,
  CASE WHEN t.scored THEN NULL ELSE 'no scoring consent on record' END AS note,
  CAST('2026-11-27' AS DATE) AS as_of,
  'credence-default' AS ruleset,
  '2027.1' AS version
FROM (
  SELECT
    s.subject_kind,
    s.subject_code,
    s.scored,
    CASE WHEN s.scored THEN CAST(1000 + COALESCE(p.points, 0) AS INT) END AS score
  FROM cr_subjects AS s
  LEFT JOIN (
    SELECT
      subject_kind,
      subject_code,
      SUM(points) AS points
    FROM rating_points
    GROUP BY
      subject_kind,
      subject_code
  ) AS p
    ON p.subject_kind = s.subject_kind AND p.subject_code = s.subject_code
) AS t;

-- cr_black
SELECT
  'black' AS list_name,
  b.subject_kind,
  b.subject_code,
  b.record_id,
  b.requirement_id,
  CASE
    WHEN b.voided
    THEN 'revoked'
    WHEN CAST('2026-11-27' AS DATE) >= b.expires_on
    THEN 'expired'
    WHEN NOT b.repaired_on IS NULL AND CAST('2026-11-27' AS DATE) >= b.repaired_on
    THEN 'repaired'
    WHEN CAST('2026-11-27' AS DATE) < b.published_on
    THEN 'proposed'
    ELSE 'published'
  END AS state,
  b.proposed_on,
  b.published_on,
  b.expires_on
FROM (
  SELECT
    m.subject_kind,
    m.subject_code,
    m.record_id,
    m.requirement_id,
    m.voided,
    m.repaired_on,
    m.occurred_at AS proposed_on,
    CAST(DATE_ADD(m.occurred_at, 10) AS DATE) AS published_on,
    CAST(DATE_ADD(CAST(ADD_MONTHS(DATE_ADD(m.occurred_at, 10), 24) AS DATE), 0) AS DATE) AS expires_on
  FROM cr_matched AS m
  WHERE
    m.black
) AS b;

-- listings
SELECT
  *
FROM cr_black
UNION ALL
SELECT
  'red' AS list_name,
  s.subject_kind,
  s.subject_code,
  CAST(NULL AS STRING) AS record_id,
  CAST(NULL AS STRING) AS requirement_id,
  'published' AS state,
  CAST('2026-11-27' AS DATE) AS proposed_on,
  CAST('2026-11-27' AS DATE) AS published_on,
  CAST(NULL AS DATE) AS expires_on
FROM (
  SELECT
    subject_kind,
    subject_code,
    scored,
    grade,
    CASE
      WHEN subject_kind = 'person' AND grade = 'AAA'
      THEN 0
      WHEN subject_kind = 'person' AND grade = 'AA'
      THEN 1
      WHEN subject_kind = 'person' AND grade = 'A'
      THEN 2
      WHEN subject_kind = 'person' AND grade = 'B'
      THEN 3
      WHEN subject_kind = 'person' AND grade = 'C'
      THEN 4
      WHEN subject_kind = 'person' AND grade = 'D'
      THEN 5
      WHEN subject_kind = 'organization' AND grade = '1'
      THEN 0
      WHEN subject_kind = 'organization' AND grade = '2'
      THEN 1
      WHEN subject_kind = 'organization' AND grade = '3'
      THEN 2
      WHEN subject_kind = 'organization' AND grade = '4'
      THEN 3
    END AS grade_rank
  FROM scores
) AS s
LEFT JOIN (
  SELECT DISTINCT
    subject_kind,
    subject_code
  FROM cr_matched
  WHERE
    points < 0 AND occurred_at > CAST('2023-11-27' AS DATE) AND NOT voided
) AS dirty
  ON dirty.subject_kind = s.subject_kind AND dirty.subject_code = s.subject_code
LEFT JOIN (
  SELECT DISTINCT
    subject_kind,
    subject_code
  FROM cr_black
  WHERE
    state IN ('proposed', 'published')
) AS bl
  ON bl.subject_kind = s.subject_kind AND bl.subject_code = s.subject_code
WHERE
  s.scored
  AND dirty.subject_code IS NULL
  AND bl.subject_code IS NULL
  AND s.grade_rank <= CASE
    WHEN s.subject_kind = 'person'
    THEN 0
    WHEN s.subject_kind = 'organization'
    THEN 0
  END;

-- subject_measures
SELECT DISTINCT
  l.subject_kind,
  l.subject_code,
  m.measure_id,
  m.via,
  m.effect,
  m.legal_basis
FROM listings AS l
JOIN cr_measures AS m
  ON m.via = CONCAT('list:', l.list_name)
WHERE
  l.state = 'published'
UNION ALL
SELECT
  s.subject_kind,
  s.subject_code,
  m.measure_id,
  m.via,
  m.effect,
  m.legal_basis
FROM scores AS s
JOIN cr_measures AS m
  ON m.via = CONCAT('grade:', s.subject_kind, ':', s.grade)
WHERE
  s.scored;
