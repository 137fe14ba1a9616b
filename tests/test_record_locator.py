"""The record locator reads one subject's rows (and asks after record ids) through row-group
bands: whatever the layout (sorted, unsorted, kinds changing mid-group, no statistics), it must
find exactly the rows a full filter finds."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credence.model import RECORD_COLUMNS, RECORD_SCHEMA
from credence.store.record_locator import RecordLocator

KINDS = ("organization", "person")


def _records(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    # As with real codes, organisations' sort after people's: sorted by kind, then code, the
    # row group where organisations end and people begin spans every code.
    codes = {kind: [f"{9 if kind == KINDS[0] else 1}{n:05d}" for n in range(40)] for kind in KINDS}
    rows = []
    for number in range(count):
        kind = rng.choice(KINDS)
        rows.append({
            "record_id": f"r{seed}-{number:06d}", "source": "test", "level": "city",
            "stream": "administrative", "category": "admin_penalty", "subject_kind": kind,
            "subject_code": None if rng.random() < 0.05 else rng.choice(codes[kind]),
            "hints": None, "kind": "market.penalty.fine", "occurred_at": date(2026, 1, 2),
            "amount": float(number), "attributes": None, "batch_id": "b", "row_number": number,
            "ingested_at": datetime(2026, 1, 3, tzinfo=UTC), "consent_ref": None,
        })  # fmt: skip
    return rows


def _write(path: Path, rows: list[dict[str, Any]], sort: bool, statistics: bool) -> str:
    if sort:
        rows = sorted(
            rows, key=lambda r: (r["subject_kind"], r["subject_code"] or "", r["record_id"])
        )
    table = pa.Table.from_pylist(rows, schema=RECORD_SCHEMA)
    pq.write_table(table, path, row_group_size=16, write_statistics=statistics)
    return path.as_posix()


@pytest.mark.parametrize(
    ("sort", "statistics"), [(True, True), (False, True), (True, False)], ids=str
)
def test_a_subject_gets_exactly_its_rows(tmp_path: Path, sort: bool, statistics: bool) -> None:
    rows = _records(600, seed=3) + _records(200, seed=4)
    files = [
        _write(tmp_path / "a.parquet", rows[:600], sort, statistics),
        _write(tmp_path / "b.parquet", rows[600:], sort, statistics),
    ]
    locator = RecordLocator()
    subjects = {(r["subject_kind"], r["subject_code"]) for r in rows if r["subject_code"]}
    for kind, code in [*sorted(subjects), ("person", "199999"), ("organization", "100001")]:
        found = locator.subject_rows(files, kind, code)
        wanted = [r for r in rows if r["subject_kind"] == kind and r["subject_code"] == code]
        assert sorted(r["record_id"] for r in found) == sorted(r["record_id"] for r in wanted)
        assert all(list(r) == list(RECORD_COLUMNS) for r in found)
    if sort and statistics:  # bands prune: most row groups are never read
        bands = locator.bands(files[0], "subject_code")
        assert len(bands.low) == 600 // 16 + 1
        assert sum(bool(hit) for hit in bands.holding("900001")) <= 3


def test_record_ids_are_found_only_where_they_are(tmp_path: Path) -> None:
    rows = _records(300, seed=5)
    ids = pa.table({"record_id": sorted(r["record_id"] for r in rows)})
    path = tmp_path / "ids.parquet"
    pq.write_table(ids, path, row_group_size=32)
    locator = RecordLocator()
    asked = ["r5-000000", "r5-000150", "r5-000299", "r5-000300", "r6-000001", ""]
    assert locator.present([path.as_posix()], "record_id", asked) == {
        "r5-000000", "r5-000150", "r5-000299",
    }  # fmt: skip
    assert locator.present([], "record_id", asked) == set()
    assert locator.fingerprints(path.as_posix()) is None  # not ingest ids: bands only


def test_ingest_ids_are_ruled_out_by_their_fingerprint_and_found_by_their_row_group(
    tmp_path: Path,
) -> None:
    """Ids of 32 hex digits: an absent id with an absent fingerprint reads nothing, one that
    shares a present id's first eight digits is still looked up, and present ids are found."""
    rng = random.Random(3)
    ids = sorted({f"{rng.getrandbits(128):032x}" for _ in range(2000)})
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"record_id": ids}), path, row_group_size=64)
    locator = RecordLocator()
    fingerprints = locator.fingerprints(path.as_posix())
    assert fingerprints is not None
    assert [int(f) for f in fingerprints[:3]] == [int(i[:8], 16) for i in ids[:3]]
    twin = ids[700][:8] + ("0" * 24 if ids[700][8:] != "0" * 24 else "1" * 24)
    absent = f"{rng.getrandbits(128):032x}"
    asked = [ids[0], ids[700], ids[-1], twin, absent, "not-an-id"]
    reads: list[list[int]] = []
    original = pq.ParquetFile.read_row_groups

    def counted(self: pq.ParquetFile, groups: list[int], **kwargs: Any) -> pa.Table:
        reads.append(list(groups))
        return original(self, groups, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pq.ParquetFile, "read_row_groups", counted)
        assert locator.present([path.as_posix()], "record_id", asked) == {
            ids[0], ids[700], ids[-1],
        }  # fmt: skip
        assert locator.present([path.as_posix()], "record_id", [absent]) == set()
    assert len(reads) == 1  # the absent id alone read nothing
    assert 700 // 64 in reads[0]  # the twin's row group (its band) was read, as was ids[700]'s


@pytest.mark.parametrize(
    ("sort", "statistics"), [(True, True), (False, True), (True, False)], ids=str
)
def test_codeless_rows_are_found_by_id_and_coded_rows_never(
    tmp_path: Path, sort: bool, statistics: bool
) -> None:
    """The rows a link gives a subject: found by record id among the code-less rows only (a
    coded row with an asked id is not one), read from the row groups that hold such rows."""
    rows = _records(800, seed=9)
    path = _write(tmp_path / "part.parquet", rows, sort, statistics)
    codeless = [r["record_id"] for r in rows if r["subject_code"] is None]
    coded = [r["record_id"] for r in rows if r["subject_code"] is not None]
    asked = [*codeless[::3], coded[0], coded[-1], "r9-999999"]
    locator = RecordLocator()
    found = locator.codeless_rows([path], asked)
    assert sorted(r["record_id"] for r in found) == sorted(codeless[::3])
    assert all(r["subject_code"] is None for r in found)
    assert found[0] == next(r for r in rows if r["record_id"] == found[0]["record_id"])
    if sort and statistics:  # the code-less rows sit together: a few row groups, not all 50
        codes = locator.bands(path, "subject_code")
        assert 0 < int(codes.nulls.sum()) <= 4
