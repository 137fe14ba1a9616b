"""DuckDB's Jaro and Jaro-Winkler similarities as Spark SQL, bit for bit.

Spark has no Jaro similarity of its own, and the one in the jar shipped with Splink scores about
a third of name pairs differently from DuckDB (another matching window), which moves pairs
across a comparison level's threshold. So the similarity is written here in Spark SQL with
higher-order functions, following DuckDB (its rapidfuzz code): strings are compared by code
point; the window is max(len) / 2 - 1; each character of the second string, in order, takes
the first free equal character of the first within the window; transpositions are halved in
integers. The Winkler boost (a common prefix of at most 4, weight 0.1, above 0.7) is
``j + (p * 0.1) * (1 - j)`` rounded once, as the fused multiply-add of DuckDB's compiled code
rounds it. A test holds both engines equal on thousands of pairs.
"""

from __future__ import annotations

from fractions import Fraction

# The lambda variables are prefixed jw_ so they never shadow those of the caller's lambdas.
# jw_t: the two strings; jw_s: their characters (arrays) and the window.
_CHARS = """TRANSFORM(ARRAY(STRUCT(
    TRANSFORM(SEQUENCE(1, LENGTH(jw_t.a)), jw_k -> SUBSTRING(jw_t.a, jw_k, 1)) AS a,
    TRANSFORM(SEQUENCE(1, LENGTH(jw_t.b)), jw_k -> SUBSTRING(jw_t.b, jw_k, 1)) AS b,
    CAST(GREATEST(GREATEST(LENGTH(jw_t.a), LENGTH(jw_t.b)) DIV 2 - 1, 0) AS INT) AS w)),
  jw_s -> {score})[0]"""

# Matched positions (jw_m.i in the first string, jw_m.j in the second, in matching order), then
# the score. The window's bounds are clamped into the first string; ABS keeps the window.
_JARO = """TRANSFORM(ARRAY(AGGREGATE(
  SEQUENCE(1, SIZE(jw_s.b)),
  STRUCT(FILTER(ARRAY(0), jw_x -> FALSE) AS i, FILTER(ARRAY(0), jw_x -> FALSE) AS j),
  (jw_acc, jw_j) -> TRANSFORM(ARRAY(ARRAY_MIN(FILTER(
      SEQUENCE(LEAST(GREATEST(1, jw_j - jw_s.w), SIZE(jw_s.a)), LEAST(SIZE(jw_s.a), jw_j + jw_s.w)),
      jw_i -> ABS(jw_i - jw_j) <= jw_s.w AND jw_s.a[jw_i - 1] = jw_s.b[jw_j - 1]
        AND NOT ARRAY_CONTAINS(jw_acc.i, jw_i)))),
    jw_f -> CASE WHEN jw_f IS NULL THEN jw_acc
      ELSE STRUCT(CONCAT(jw_acc.i, ARRAY(jw_f)) AS i, CONCAT(jw_acc.j, ARRAY(jw_j)) AS j) END)[0])),
  jw_m -> CASE WHEN SIZE(jw_m.i) = 0 THEN CAST(0 AS DOUBLE) ELSE (
    CAST(SIZE(jw_m.i) AS DOUBLE) / CAST(SIZE(jw_s.a) AS DOUBLE)
    + CAST(SIZE(jw_m.i) AS DOUBLE) / CAST(SIZE(jw_s.b) AS DOUBLE)
    + CAST(SIZE(jw_m.i) - SIZE(FILTER(ZIP_WITH(
        TRANSFORM(ARRAY_SORT(jw_m.i), jw_i -> jw_s.a[jw_i - 1]),
        TRANSFORM(jw_m.j, jw_j -> jw_s.b[jw_j - 1]),
        (jw_x, jw_y) -> jw_x <> jw_y), jw_x -> jw_x)) DIV 2 AS DOUBLE)
      / CAST(SIZE(jw_m.i) AS DOUBLE)) / CAST(3 AS DOUBLE) END)[0]"""

# Spark has no fused multiply-add, so the boost is done exactly in integers: j = kj / 2^53 and
# 1 - j = (2^53 - kj) / 2^53 (both exact: j lies in (0.7, 1]), the double p * 0.1 = kq / 2^56;
# the sum times 2^109 fits DECIMAL(38, 0), and it is rounded half to even back onto the
# doubles of [0.5, 1], which are k / 2^53.
_KQ = {p: int(Fraction(p * 0.1) * 2**56) for p in range(1, 5)}
_DEC = "CAST({} AS DECIMAL(38, 0))"
_PREFIX = """SIZE(FILTER(SEQUENCE(1, LEAST(SIZE(jw_s.a), SIZE(jw_s.b), 4)),
    jw_k -> SUBSTRING(jw_t.a, 1, jw_k) = SUBSTRING(jw_t.b, 1, jw_k)))"""
_KJ = _DEC.format(f"CAST(jw_v * CAST({2**53} AS DOUBLE) AS BIGINT)")
_BOOST = (  # kq of the prefix p: ARRAY(0, kq(1), ..., kq(4))[p]
    "ARRAY(" + ", ".join(_DEC.format(_KQ.get(p, 0)) for p in range(5)) + f")[{_PREFIX}]"
)
_TWO56, _HALF = _DEC.format(2**56), _DEC.format(2**55)
_WINKLER = f"""TRANSFORM(ARRAY({_JARO}), jw_v -> CASE WHEN jw_v > 0.7 THEN TRANSFORM(ARRAY(
    {_KJ} * {_TWO56} + ({_BOOST}) * ({_DEC.format(2**53)} - {_KJ})),
  jw_n -> TRANSFORM(ARRAY(jw_n DIV {_TWO56}), jw_q -> CAST(CAST(jw_q + CASE
    WHEN jw_n - jw_q * {_TWO56} > {_HALF}
      OR (jw_n - jw_q * {_TWO56} = {_HALF} AND jw_q % 2 = 1)
    THEN 1 ELSE 0 END AS BIGINT) AS DOUBLE) / CAST({2**53} AS DOUBLE))[0])[0]
  ELSE jw_v END)[0]"""

_SIMILARITY = """TRANSFORM(ARRAY(STRUCT({left} AS a, {right} AS b)), jw_t -> CASE
  WHEN jw_t.a IS NULL OR jw_t.b IS NULL THEN CAST(NULL AS DOUBLE)
  WHEN LENGTH(jw_t.a) = 0 OR LENGTH(jw_t.b) = 0 THEN CAST(0 AS DOUBLE)
  ELSE {chars} END)[0]"""


def jaro_sql(left: str, right: str, winkler: bool = False) -> str:
    """Spark SQL equal to DuckDB's ``jaro_similarity`` of two Spark SQL expressions (with
    ``winkler``, its ``jaro_winkler_similarity``)."""
    chars = _CHARS.format(score=_WINKLER if winkler else _JARO)
    return _SIMILARITY.format(left=left, right=right, chars=chars)
