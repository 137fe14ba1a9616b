"""An outcomes file: what later happened to subjects (a default, a failed inspection).

CSV or Parquet with ``subject_code``, ``outcome`` (1 = the bad outcome, 0 = not) and optionally a
group column for fairness. Every row must be usable: a bad outcome value, an empty code or a code
given twice is a problem named by its row (the first row after the header is row 1), and the
file is refused rather than quietly trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from credence.errors import IngestError, Problem, ProblemsError

OUTCOMES_TABLE = "outcomes"
DEFAULT_GROUP_COLUMN = "group"
_TRUE = ("1", "1.0", "true", "t", "yes")
_FALSE = ("0", "0.0", "false", "f", "no")
_SHOWN = 10


@dataclass(frozen=True)
class OutcomeFile:
    """Where the outcomes came from and what the ``outcomes`` table holds."""

    path: Path
    rows: int
    bad: int
    group_column: str | None  # None when the file has no group column


def load_outcomes(
    con: duckdb.DuckDBPyConnection, path: Path, group_column: str | None = None
) -> OutcomeFile:
    """Read the file into table ``outcomes(row_number, subject_code, outcome, grp)``.

    Without ``group_column`` a column named ``group`` is used when there is one; a column asked
    for by name must be there.
    """
    reader = _reader(path)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE outcomes_raw AS SELECT * FROM {reader}")
    except duckdb.Error as error:
        raise IngestError(f"cannot read outcomes file {path}: {error}") from error
    columns = [str(c[0]) for c in con.execute("DESCRIBE outcomes_raw").fetchall()]
    wanted = ["subject_code", "outcome", *([group_column] if group_column else [])]
    missing = [c for c in wanted if c not in columns]
    if missing:
        found = ", ".join(columns)
        problems = [Problem(path.name, f"no column {c!r} (columns: {found})") for c in missing]
        raise ProblemsError("outcomes file is not usable", problems)
    chosen = group_column or DEFAULT_GROUP_COLUMN
    has_group = chosen in columns
    quoted = chosen.replace('"', '""')
    group = f'CAST("{quoted}" AS VARCHAR)' if has_group else "NULL"
    truthy = ", ".join(f"'{v}'" for v in _TRUE)
    falsy = ", ".join(f"'{v}'" for v in _FALSE)
    con.execute(f"""
        CREATE OR REPLACE TABLE {OUTCOMES_TABLE} AS
        SELECT rowid + 1 AS row_number,
               NULLIF(trim(CAST(subject_code AS VARCHAR)), '') AS subject_code,
               lower(trim(CAST(outcome AS VARCHAR))) AS outcome_text,
               CASE WHEN lower(trim(CAST(outcome AS VARCHAR))) IN ({truthy}) THEN 1
                    WHEN lower(trim(CAST(outcome AS VARCHAR))) IN ({falsy}) THEN 0 END AS outcome,
               COALESCE(NULLIF(trim({group}), ''), '(none)') AS grp
        FROM outcomes_raw""")  # fmt: skip
    con.execute("DROP TABLE outcomes_raw")
    problems = _problems(con, path)
    if problems:
        raise ProblemsError("outcomes file is not usable", problems)
    totals = con.execute(f"SELECT COUNT(*), SUM(outcome) FROM {OUTCOMES_TABLE}").fetchone()
    rows, bad = totals if totals else (0, 0)
    if not rows:
        raise ProblemsError("outcomes file is not usable", [Problem(path.name, "no rows")])
    return OutcomeFile(path, int(rows), int(bad or 0), chosen if has_group else None)


def _reader(path: Path) -> str:
    if not path.is_file():
        raise IngestError(f"no outcomes file at {path}")
    quoted = path.as_posix().replace("'", "''")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet('{quoted}')"
    if suffix in (".csv", ".txt"):
        return f"read_csv('{quoted}', header = true, all_varchar = true)"
    raise IngestError(f"outcomes file {path}: use .csv or .parquet")


def _problems(con: duckdb.DuckDBPyConnection, path: Path) -> list[Problem]:
    """Every row that cannot be used, first ones named, the rest counted."""
    checks = (
        ("subject_code IS NULL", "empty subject_code"),
        ("outcome IS NULL", "outcome must be 0 or 1"),
    )
    problems: list[Problem] = []
    for condition, message in checks:
        rows = con.execute(
            f"SELECT row_number, outcome_text FROM {OUTCOMES_TABLE} WHERE {condition} "
            "ORDER BY row_number"
        ).fetchall()
        for number, text in rows[:_SHOWN]:
            detail = f" (got {text!r})" if condition.startswith("outcome") else ""
            problems.append(Problem(f"{path.name} row {number}", message + detail))
        if len(rows) > _SHOWN:
            problems.append(Problem(path.name, f"{len(rows) - _SHOWN} more rows: {message}"))
    repeated = con.execute(
        f"SELECT subject_code, list(row_number ORDER BY row_number) FROM {OUTCOMES_TABLE} "
        "WHERE subject_code IS NOT NULL GROUP BY subject_code HAVING COUNT(*) > 1 "
        "ORDER BY MIN(row_number)"
    ).fetchall()
    for _code, numbers in repeated[:_SHOWN]:
        rows_text = ", ".join(str(n) for n in numbers)
        problems.append(Problem(f"{path.name} rows {rows_text}", "the same subject_code twice"))
    if len(repeated) > _SHOWN:
        problems.append(Problem(path.name, f"{len(repeated) - _SHOWN} more repeated codes"))
    return problems
