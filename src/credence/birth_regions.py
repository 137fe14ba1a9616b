"""The birth regions a resident identity number may name, generated from python-stdnum's data.

GB 11643 numbers begin with the six-digit code of the county where the number was issued, and
a county counts only for the years it existed. python-stdnum keeps that table (its ``cn/loc``
number database, with ``[start-end]`` periods on renamed and merged counties) and checks it in
``ric.get_birth_place``. The ingest checks in SQL, so the same knowledge becomes a small
relation: one row per region and stretch of years in which stdnum accepts it, read from stdnum's
database as its lookup reads it (a test asks ``get_birth_place`` itself at every year where
its answer could change, for every region, and finds the same).
"""

from __future__ import annotations

import functools
import re

import duckdb
import pyarrow as pa
import stdnum
from stdnum import numdb

FIRST_YEAR, LAST_YEAR = 1, 9999  # the years a four-digit birth year can hold (0 is no year)
REGION_SCHEMA = pa.schema(
    [("region", pa.string()), ("first_year", pa.int32()), ("last_year", pa.int32())]
)
_PERIOD = re.compile(r"\[(\d*)-(\d*)\]")


def _counties() -> dict[str, str]:
    """Each six-digit code stdnum's database names, with its ``county`` text as stdnum's
    lookup merges it (later entries of the same code override earlier ones)."""
    found: dict[str, dict[str, str]] = {}
    for _, low, high, province_props, counties in numdb.get("cn/loc").prefixes:
        for province in range(int(low), int(high) + 1):
            for _, c_low, c_high, props, _ in counties:
                for county in range(int(c_low), int(c_high) + 1):
                    merged = found.setdefault(f"{province:02d}{county:04d}", dict(province_props))
                    merged.update(props)
    return {code: props["county"] for code, props in sorted(found.items()) if "county" in props}


def _years(county: str) -> list[tuple[int, int]]:
    """The stretches of years ``ric.get_birth_place`` accepts a county text for: any entry
    without a ``[start-end]`` period counts always, a period counts within its ends."""
    stretches: list[tuple[int, int]] = []
    for entry in county.split(","):
        period = _PERIOD.match(entry)
        if not entry.startswith("[") or period is None:
            return [(FIRST_YEAR, LAST_YEAR)]
        start, end = period.groups()
        stretches.append((int(start) if start else FIRST_YEAR, int(end) if end else LAST_YEAR))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(stretches):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@functools.cache
def region_periods() -> tuple[tuple[str, int, int], ...]:
    """(region, first year, last year) for every stretch of years stdnum accepts a region in;
    the stretches of one region are disjoint, so a join on region and year finds one row.
    ``tests/test_ingest_check_sql.py`` asks stdnum itself at every year where its answer
    could change and finds the same."""
    return tuple(
        (region, start, end)
        for region, county in _counties().items()
        for start, end in _years(county)
    )


def region_table() -> pa.Table:
    """The periods as an Arrow table, for an engine to register beside the checks."""
    regions, firsts, lasts = zip(*region_periods(), strict=True)
    return pa.table([list(regions), list(firsts), list(lasts)], schema=REGION_SCHEMA)


REGIONS_TABLE = "birth_regions"
_STAMP_KEY = "birth_regions"


def _stamp() -> str:
    """What the catalog's copy was made from: stdnum's version and the periods' count."""
    return f"python-stdnum {stdnum.__version__}, {len(region_periods())} periods"


def ensure_region_table(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the periods as a catalog table (``birth_regions``), remade when stdnum changes.

    A table of the catalog, not a view registered per connection: a registered view vanishes
    with a rolled-back transaction, and the file ingest's statements need register nothing."""
    stamp, present = con.execute(
        "SELECT (SELECT value FROM meta WHERE key = ?), (SELECT count(*) FROM duckdb_tables()"
        " WHERE table_name = ? AND database_name = current_database())",
        [_STAMP_KEY, REGIONS_TABLE],
    ).fetchall()[0]
    if present and str(stamp).startswith(f"python-stdnum {stdnum.__version__},"):
        return
    table = region_table()
    con.execute(
        f"CREATE OR REPLACE TABLE {REGIONS_TABLE} (region VARCHAR, first_year INTEGER,"
        " last_year INTEGER)"
    )
    con.register("__region_periods", table)
    try:
        con.execute(f"INSERT INTO {REGIONS_TABLE} SELECT * FROM __region_periods")
    finally:
        con.unregister("__region_periods")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_STAMP_KEY, _stamp()])
