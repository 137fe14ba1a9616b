"""The ingest floor: hand-written DuckDB statements doing an ingest's work on the benchmark files.

For each file, one statement reads the Parquet into a temporary table, computing every code's
check character in SQL (GB 32100 for firms, GB 11643 with the birth date and region for people,
the weighted sums as DuckDB list functions), parsing the dates, checking the kinds; then the
good rows are written with the content-hash record id Credence derives, sorted by subject, as
zstd Parquet, and the bad rows aside. No catalog, no de-duplication against earlier batches, no
progress, no quarantine reasons beyond "bad": the least a hand-written job does. Its record ids
are summed into a digest the benchmark compares with the workspace Credence ingested.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb

from credence.birth_regions import region_table
from credence.bounds import EARLIEST_DAY
from credence.ingest.mapping import load_mapping
from credence.sql import lit

USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
RIC_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]

CHECKED_SQL = """
WITH src AS (
  SELECT *, file_row_number + 1 AS row_number,
    CASE subject_type WHEN 'ORG' THEN 'organization' WHEN 'PER' THEN 'person' END AS sk,
    upper(replace(replace(trim(code), ' ', ''), '-', '')) AS c,
    CAST(try_strptime(trim(day), '%Y-%m-%d') AS DATE) AS d
  FROM read_parquet({path}, file_row_number = true)
),
coded AS (
  SELECT s.*, CASE s.sk
    WHEN 'organization' THEN length(c) = 18 AND regexp_full_match(c, '[0-9]{{8}}[{uscc}]{{10}}')
      AND c[18] = substr({uscc_lit}, CAST((31 - list_sum(list_transform(range(1, 18),
            lambda i: (strpos({uscc_lit}, c[i]) - 1) * {uscc_w}[i])) % 31) % 31 + 1 AS INTEGER), 1)
    WHEN 'person' THEN length(c) = 18 AND regexp_full_match(c, '[0-9]{{17}}[0-9X]')
      AND c[18] = substr('0123456789X', CAST((12 - list_sum(list_transform(range(1, 18),
            lambda i: CAST(c[i] AS INTEGER) * {ric_w}[i])) % 11) % 11 + 1 AS INTEGER), 1)
      AND try_strptime(substr(c, 7, 8), '%Y%m%d') IS NOT NULL AND r.region IS NOT NULL
    ELSE FALSE END AS valid
  FROM src s LEFT JOIN floor_regions r ON s.sk = 'person' AND r.region = substr(s.c, 1, 6)
    AND TRY_CAST(substr(s.c, 7, 4) AS INTEGER) BETWEEN r.first_year AND r.last_year
),
checked AS (
  SELECT * EXCLUDE (valid), coalesce(valid AND d IS NOT NULL
    AND d BETWEEN DATE {earliest} AND current_date AND event IN ({kinds}) AND trim(rid) <> '',
    FALSE) AS good
  FROM coded
)
"""

GOOD_SQL = """
COPY (
  SELECT substr(sha256(concat_ws(chr(31), {source}, 'key', trim(rid))), 1, 32) AS record_id,
    {source} AS source, {level} AS level, {stream} AS stream, {category} AS category,
    sk AS subject_kind, c AS subject_code, CAST(NULL AS VARCHAR) AS hints, event AS kind,
    d AS occurred_at, amount, json_object('fulfilled', fulfilled, 'scope', scope)::VARCHAR
      AS attributes, row_number
  FROM checked WHERE good ORDER BY subject_kind, subject_code, record_id
) TO {out} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384)
"""

BAD_SQL = """
COPY (SELECT row_number, to_json(struct_pack(rid, code, subject_type, event, day))
  AS raw FROM checked WHERE NOT good) TO {out} (FORMAT parquet)
"""


def ingest_floor(folder: Path, out: Path, memory_limit: str = "3GB") -> dict[str, Any]:
    """Run the floor over a benchmark folder's files into ``out``; counts and an id digest."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {lit(memory_limit)}")
    con.execute(f"SET temp_directory = {lit((out / 'tmp').as_posix())}")
    con.execute("SET preserve_insertion_order = false")
    con.register("periods", region_table())
    con.execute("CREATE TABLE floor_regions AS SELECT * FROM periods")
    good = bad = 0
    for n, (data, mapping_path) in enumerate(json.loads((folder / "sources.json").read_text())):
        m = load_mapping(Path(mapping_path))
        checked = CHECKED_SQL.format(
            path=lit(str(data)), uscc=USCC, uscc_lit=lit(USCC),
            uscc_w=str(USCC_WEIGHTS), ric_w=str(RIC_WEIGHTS),
            kinds=", ".join(lit(k) for k in m.kinds), earliest=lit(EARLIEST_DAY.isoformat()),
        )  # fmt: skip
        good_file, bad_file = out / f"good-{n}.parquet", out / f"bad-{n}.parquet"
        con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS {checked} SELECT * FROM checked")
        con.execute(GOOD_SQL.format(
            source=lit(m.source), level=lit(m.level), stream=lit(m.stream),
            category=lit(m.category), out=lit(good_file.as_posix()),
        ))  # fmt: skip
        con.execute(BAD_SQL.format(out=lit(bad_file.as_posix())))
        good += _count(con, good_file)
        bad += _count(con, bad_file)
    digest = con.execute(
        f"SELECT sum(hash(record_id))::VARCHAR FROM {lit((out / 'good-*.parquet').as_posix())}"
    ).fetchall()
    con.close()
    return {"loaded": good, "quarantined": bad, "id_digest": digest[0][0]}


def _count(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    return int(con.execute(f"SELECT count(*) FROM {lit(path.as_posix())}").fetchall()[0][0])
