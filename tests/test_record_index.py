"""Batches laid out by subject, with an id index: lookups equal what the records view gives."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from credence.actions.demo import run_demo
from credence.ingest import ingest_file, load_mapping, pipeline
from credence.store import Workspace
from credence.store.record_index import ID_INDEX, ROW_GROUP_ROWS, parts_of, subject_records
from tests.test_inline_records import FIRM, MAPPING

DAY = date(2026, 6, 30)


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("index") / "ws"
    run_demo(root, people=300, organizations=40, seed=21, as_of=DAY)
    return Workspace.open(root)


def _batch_dirs(ws: Workspace) -> list[Path]:
    con = ws.connect(read_only=True)
    try:
        return [
            ws.root / p
            for (p,) in con.execute("SELECT path FROM batches WHERE path <> 'inline'").fetchall()
        ]
    finally:
        con.close()


def test_parts_are_sorted_by_subject_in_small_row_groups(city: Workspace) -> None:
    checked = 0
    for batch_dir in _batch_dirs(city):
        for part in parts_of(batch_dir):
            table = pq.read_table(part, columns=["subject_kind", "subject_code", "record_id"])
            keys = [
                (k, c is None, c or "", r)
                for k, c, r in zip(*(table[n].to_pylist() for n in table.column_names), strict=True)
            ]
            assert keys == sorted(keys), part
            meta = pq.ParquetFile(part).metadata
            assert all(
                meta.row_group(i).num_rows <= ROW_GROUP_ROWS for i in range(meta.num_row_groups)
            )
            checked += 1
    assert checked >= 5  # the city's larger sources (small ones are kept inline)


def test_each_batch_keeps_its_record_ids_sorted(city: Workspace) -> None:
    for batch_dir in _batch_dirs(city):
        ids = pq.read_table(batch_dir / ID_INDEX)["record_id"].to_pylist()
        parts = parts_of(batch_dir)
        expected = sorted(r for p in parts for r in pq.read_table(p)["record_id"].to_pylist())
        assert ids == expected


def test_subject_lookup_equals_the_records_view(city: Workspace) -> None:
    con = city.connect(read_only=True)
    try:
        linked = con.execute(
            "SELECT DISTINCT subject_kind, subject_code FROM record_links "
            "WHERE undone_at IS NULL ORDER BY ALL LIMIT 15"
        ).fetchall()
        plain = con.execute(
            "SELECT subject_kind, subject_code FROM subjects ORDER BY subject_code LIMIT 25"
        ).fetchall()
        assert linked, "the demo city links code-less rows"
        for kind, code in [*linked, *plain, ("person", "no-such-code")]:
            view = con.execute(
                "SELECT * FROM records WHERE subject_kind = ? AND subject_code = ? "
                "ORDER BY record_id",
                [kind, code],
            ).fetchall()
            found = subject_records(city, con, kind, code)
            columns = [d[0] for d in con.execute("SELECT * FROM records LIMIT 0").description]
            rows = sorted((tuple(r[c] for c in columns) for r in found), key=lambda r: r[0])
            assert rows == view, (kind, code)
    finally:
        con.close()


def test_a_batch_without_an_id_index_gets_one_and_repeats_are_still_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "INLINE_MAX_ROWS", 0)  # two-row batches, as Parquet
    ws = Workspace.init(tmp_path / "ws")
    (tmp_path / "late.yaml").write_text(MAPPING, encoding="utf-8")
    mapping = load_mapping(tmp_path / "late.yaml")
    first = tmp_path / "first.csv"
    first.write_text(
        f"case,kind,code,event,day\nA1,ORG,{FIRM},UNF,2026-01-02\n"
        f"A2,ORG,{FIRM},UNF,2026-02-03\n",
        encoding="utf-8",
    )
    assert ingest_file(ws, first, mapping).loaded == 2
    (batch_dir,) = _batch_dirs(ws)
    shutil.rmtree(batch_dir / ID_INDEX.parent)  # as a workspace from before the index was kept
    again = tmp_path / "again.csv"
    again.write_text(
        f"case,kind,code,event,day\nA2,ORG,{FIRM},UNF,2026-02-03\n"
        f"A3,ORG,{FIRM},UNF,2026-03-04\n",
        encoding="utf-8",
    )
    report = ingest_file(ws, again, mapping)
    assert (report.loaded, report.duplicates) == (1, 1)
    assert (batch_dir / ID_INDEX).is_file()
    con = ws.connect(read_only=True)
    try:
        found = subject_records(ws, con, "organization", FIRM)
    finally:
        con.close()
    assert sorted(r["occurred_at"].isoformat() for r in found) == [
        "2026-01-02",
        "2026-02-03",
        "2026-03-04",
    ]
