"""``credence link``: the resolution machinery on any two files, one row per linked pair out.

Nothing here knows the synthetic city: the config names each file's id column and the fields
to compare, so files of people with names, birth dates, addresses and identity numbers from
anywhere link the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from credence.cells import neutral_table
from credence.errors import CredenceError, Problem
from credence.resolve.config import LinkConfig, ResolveConfigError
from credence.resolve.decide import FLOOR, decide
from credence.resolve.features import Normaliser, Side, side_table
from credence.resolve.linker import LinkSession

READERS = {".csv": "read_csv", ".parquet": "read_parquet", ".pq": "read_parquet"}


@dataclass
class LinkReport:
    """What a linkage of two files found."""

    left_rows: int
    right_rows: int
    pairs_scored: int
    linked: int
    review: int
    unresolved: int
    em_rules: list[str] = field(default_factory=list)
    out: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_table(path: Path) -> pa.Table:
    """A CSV (every column as text) or Parquet file as an Arrow table."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise CredenceError(f"{path}: give a .csv or .parquet file")
    if not path.is_file():
        raise CredenceError(f"{path}: no such file")
    con = duckdb.connect()
    try:
        options = ", header = true, all_varchar = true" if reader == "read_csv" else ""
        literal = str(path).replace("'", "''")
        return con.sql(f"SELECT * FROM {reader}('{literal}'{options})").to_arrow_table()
    except duckdb.Error as error:
        raise CredenceError(f"{path} cannot be read: {error}") from error
    finally:
        con.close()


def write_table(table: pa.Table, path: Path) -> None:
    """CSV or Parquet by the extension."""
    path = Path(path)
    if path.suffix.lower() not in READERS:
        raise CredenceError(f"{path}: write a .csv or .parquet file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        pacsv.write_csv(neutral_table(table), path)  # opened in spreadsheets: no formulas
    else:
        pq.write_table(table, path)


def _columns_needed(config: LinkConfig, side: Side) -> list[str]:
    named: list[str] = []
    for spec in config.fields:
        named += spec.left_columns + spec.left_also if side == "left" else []
        named += spec.right_columns + spec.right_also if side == "right" else []
    return list(dict.fromkeys(named))


def _side_columns(
    config: LinkConfig, side: Side, table: pa.Table, where: str
) -> tuple[list[str], dict[str, list[Any]]]:
    spec = config.left if side == "left" else config.right
    if spec is None:
        raise ResolveConfigError(
            f"config for {where} does not say how to link files",
            [Problem(f"{side}.id", "name the id column of each file: left: {id: COLUMN}")],
        )
    wanted = [spec.id, *_columns_needed(config, side)]
    missing = [c for c in wanted if c not in table.column_names]
    if missing:
        raise ResolveConfigError(
            f"{where} lacks columns the config names",
            [Problem(f"{where}", f"no column {c!r}; it has {', '.join(table.column_names)}")
             for c in missing],
        )  # fmt: skip
    ids = [None if v is None else str(v) for v in table.column(spec.id).to_pylist()]
    if any(i is None for i in ids) or len(set(ids)) != len(ids):
        raise CredenceError(f"{where}: the id column {spec.id!r} must be filled and unique")
    columns = {c: table.column(c).to_pylist() for c in wanted[1:]}
    return [str(i) for i in ids], columns


def link_tables(
    config: LinkConfig,
    left: pa.Table,
    right: pa.Table,
    temp_dir: Path | None = None,
    names: tuple[str, str] = ("left", "right"),
) -> tuple[pa.Table, pa.Table, LinkReport]:
    """Link two tables: (linked pairs, pairs for review, report)."""
    norm = Normaliser()
    left_ids, left_columns = _side_columns(config, "left", left, names[0])
    right_ids, right_columns = _side_columns(config, "right", right, names[1])
    left_keys = side_table(config, "left", left_ids, left_columns, norm=norm)
    right_keys = side_table(config, "right", right_ids, right_columns, norm=norm)
    with LinkSession(config, left_keys, right_keys, temp_dir=temp_dir) as session:
        training = session.train()
        pairs = session.predict(min(FLOOR, config.thresholds.review))
    decisions = decide(pairs, config.thresholds)
    rows: dict[str, list[Any]] = {c: [] for c in ("left_id", "right_id", "probability",
                                                  "match_weight")}
    review: dict[str, list[Any]] = {c: [] for c in rows}
    for decision in decisions:
        target = rows if decision.outcome == "link" else review
        chosen = decision.candidates[:1] if decision.outcome == "link" else decision.candidates
        for candidate in chosen:
            target["left_id"].append(decision.left_id)
            target["right_id"].append(candidate.right_id)
            target["probability"].append(round(candidate.probability, 6))
            target["match_weight"].append(round(candidate.match_weight, 4))
    linked = sum(d.outcome == "link" for d in decisions)
    queued = sum(d.outcome == "review" for d in decisions)
    report = LinkReport(
        left_rows=left.num_rows, right_rows=right.num_rows, pairs_scored=pairs.num_rows,
        linked=linked, review=queued, unresolved=left.num_rows - linked - queued,
        em_rules=training.em_rules,
    )  # fmt: skip
    schema = pa.schema([("left_id", pa.string()), ("right_id", pa.string()),
                        ("probability", pa.float64()), ("match_weight", pa.float64())])
    return pa.table(rows, schema=schema), pa.table(review, schema=schema), report


def link_files(
    left: Path,
    right: Path,
    config: LinkConfig,
    out: Path,
    review_out: Path | None = None,
    temp_dir: Path | None = None,
) -> LinkReport:
    """Link two CSV / Parquet files and write one row per linked pair (and the review pairs)."""
    for target in (out, review_out):
        if target is not None and Path(target).suffix.lower() not in READERS:
            raise CredenceError(f"{target}: write a .csv or .parquet file")
    linked, review, report = link_tables(
        config, read_table(left), read_table(right), temp_dir, (str(left), str(right))
    )
    write_table(linked, out)
    if review_out is not None:
        write_table(review, review_out)
    report.out = str(out)
    return report
