"""Small batches keep their rows in the catalog: visible, deduplicated, atomic, and dated."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from credence.ingest import IngestReport, ingest_file, load_mapping, pipeline
from credence.ingest.mapping import SourceMapping
from credence.ingest.small import SmallIngest, ingest_small
from credence.store import Workspace
from credence.store.record_index import batch_subjects, subject_records
from credence.store.workspace import INLINE_PATH

FIRM = "913101108PBRNYTPLU"
MAPPING = """
source: late-court
level: city
stream: judicial
category: court_judgment
consent_required: false
subject_kind: {column: kind, values: {ORG: organization, PER: person}}
fields:
  record_key: case
  subject_code: code
  kind: {column: event, values: {UNF: court.judgment.unfulfilled}}
  occurred_at: day
attributes: {}
kinds: [court.judgment.unfulfilled]
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    (tmp_path / "late.yaml").write_text(MAPPING, encoding="utf-8")
    return Workspace.init(tmp_path / "ws")


def _ingest(
    ws: Workspace, tmp_path: Path, name: str, cases: list[tuple[str, str]]
) -> IngestReport:
    path = tmp_path / f"{name}.csv"
    lines = [f"{case},ORG,{FIRM},UNF,{day}" for case, day in cases]
    path.write_text("case,kind,code,event,day\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return ingest_file(ws, path, load_mapping(tmp_path / "late.yaml"))


def _records(ws: Workspace) -> list[str]:
    con = ws.connect(read_only=True)
    try:
        return sorted(str(d) for (d,) in con.execute("SELECT occurred_at FROM records").fetchall())
    finally:
        con.close()


def test_a_small_batch_is_kept_in_the_catalog_and_read_like_any_other(
    ws: Workspace, tmp_path: Path
) -> None:
    report = _ingest(ws, tmp_path, "a", [("A1", "2026-01-02"), ("A2", "2026-02-03")])
    assert report.loaded == 2
    assert not any(ws.records_dir.iterdir())  # no Parquet folder for two rows
    con = ws.connect()
    try:
        (path,) = con.execute("SELECT path FROM batches").fetchone() or ("",)
        assert path == INLINE_PATH
        assert con.execute("SELECT COUNT(*) FROM inline_records").fetchone() == (2,)
        assert con.execute("SELECT * FROM subjects").fetchall()[0][:2] == ("organization", FIRM)
        assert batch_subjects(ws, con, [report.batch_id]) == [("organization", FIRM)]
        found = subject_records(ws, con, "organization", FIRM)
        assert sorted(str(r["occurred_at"]) for r in found) == ["2026-01-02", "2026-02-03"]
    finally:
        con.close()
    assert _records(ws) == ["2026-01-02", "2026-02-03"]


def test_repeats_are_caught_across_inline_and_parquet_batches(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingest(ws, tmp_path, "a", [("A1", "2026-01-02")])
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "INLINE_MAX_ROWS", 0)
        big = _ingest(ws, tmp_path, "b", [("A1", "2026-01-02"), ("B1", "2026-03-04")])
    assert (big.loaded, big.duplicates) == (1, 1)
    again = _ingest(ws, tmp_path, "c", [("B1", "2026-03-04"), ("C1", "2026-05-06")])
    assert (again.loaded, again.duplicates) == (1, 1)
    assert _records(ws) == ["2026-01-02", "2026-03-04", "2026-05-06"]
    con = ws.connect()
    try:
        found = subject_records(ws, con, "organization", FIRM)
    finally:
        con.close()
    assert len(found) == 3


def test_a_crash_before_the_commit_leaves_no_inline_rows(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(con: object, *args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "commit_batch", crash)
        with pytest.raises(RuntimeError, match="power cut"):
            _ingest(ws, tmp_path, "a", [("A1", "2026-01-02")])
    assert _records(ws) == []
    report = _ingest(ws, tmp_path, "a", [("A1", "2026-01-02")])
    assert report.loaded == 1 and _records(ws) == ["2026-01-02"]


def test_known_at_hides_later_inline_batches_and_files_carry_them(
    ws: Workspace, tmp_path: Path
) -> None:
    _ingest(ws, tmp_path, "a", [("A1", "2026-01-02")])
    between = datetime.now(UTC)
    _ingest(ws, tmp_path, "b", [("B1", "2026-03-04")])
    con = ws.connect()
    try:
        ws.refresh_records_view(con, known_at=between)
        assert con.execute("SELECT COUNT(*) FROM records").fetchone() == (1,)
        then = ws.record_files(con, known_at=between)
        now = ws.record_files(con)
    finally:
        con.close()
    assert [pq.read_table(f).num_rows for f in then] == [1]
    assert [pq.read_table(f).num_rows for f in now] == [2]
    assert sorted(pq.read_table(now[0])["record_id"].to_pylist()) == sorted(
        set(pq.read_table(now[0])["record_id"].to_pylist())
    )


@pytest.mark.parametrize("size", [3, 20], ids=["values", "arrow"])
def test_a_small_intake_in_a_transaction_writes_what_a_file_ingest_writes(
    tmp_path: Path, size: int
) -> None:
    """``ingest_small`` (the service's one-transaction path) and ``ingest_file`` on the same
    file: the same inline records, report and quarantine, however many rows (a few go in as
    values, more as one Arrow table)."""
    mapping = _late_mapping(tmp_path)
    lines = [f"C{n},ORG,{FIRM},UNF,2026-03-{n % 27 + 1:02d}" for n in range(size)]
    lines += [lines[0], f"BAD,ORG,{FIRM[:-1]}X,UNF,2026-03-01"]  # a repeat and a bad code
    path = tmp_path / "rows.csv"
    path.write_text("case,kind,code,event,day\n" + "\n".join(lines) + "\n", encoding="utf-8")
    found = {}
    for way in ("file", "small"):
        ws = Workspace.init(tmp_path / way)
        if way == "file":
            report = ingest_file(ws, path, mapping)
        else:
            small = _small_intake(ws, path, mapping)
            report = small.report
            assert small.subjects == [("organization", FIRM)]
            assert [q["reason"] for q in small.quarantine] == ["bad_check_digit"]
        con = ws.connect(read_only=True)
        try:
            rows = con.execute(
                "SELECT * EXCLUDE (ingested_at) FROM inline_records ORDER BY record_id"
            ).fetchall()
            held = con.execute("SELECT row_number, field, reason FROM quarantine").fetchall()
            subjects = con.execute("SELECT * FROM subjects").fetchall() if way == "small" else None
        finally:
            con.close()
        counts = (report.rows_in, report.loaded, report.duplicates, report.quarantined)
        found[way] = (rows, held, counts, report.quarantined_by_reason)
        if subjects is not None:
            assert subjects == [("organization", FIRM, min(r[9] for r in rows))]
    assert found["small"] == found["file"]
    assert found["small"][2] == (size + 2, size, 1, 1)


def test_a_posted_jsonl_file_is_written_as_a_file_ingest_writes_it(tmp_path: Path) -> None:
    """A JSON Lines file of rows, taken in by the small intake (inside a transaction, counted
    in Python) and by the file path: the same inline records, down to the record ids."""
    mapping = _late_mapping(tmp_path)
    rows = [{"case": f"J{n}", "kind": "ORG", "code": FIRM, "event": "UNF", "day": f"2026-04-0{n}"}
            for n in range(1, 4)]  # fmt: skip
    path = tmp_path / "rows.jsonl"
    bad = [
        {**rows[0], "case": "B1", "code": FIRM[:-1] + ("0" if FIRM[-1] != "0" else "1")},
        {**rows[0], "case": "B2", "day": "2999-01-01"},
        {**rows[0], "case": "B3", "kind": "PER", "code": "110101199002300011"},  # no 30 Feb
    ]
    lines = "".join(json.dumps(r) + "\n" for r in [*rows, rows[0], *bad])
    path.write_text(lines, encoding="utf-8")
    found = {}
    for way in ("file", "small"):
        ws = Workspace.init(tmp_path / way)
        if way == "file":
            report = ingest_file(ws, path, mapping)
        else:
            report = _small_intake(ws, path, mapping).report
        con = ws.connect(read_only=True)
        try:
            found[way] = (
                con.execute(
                    "SELECT * EXCLUDE (ingested_at) FROM inline_records ORDER BY record_id"
                ).fetchall(),
                (report.rows_in, report.loaded, report.duplicates, report.quarantined),
                con.execute(
                    "SELECT row_number, field, reason, detail FROM quarantine ORDER BY row_number"
                ).fetchall(),
            )
        finally:
            con.close()
    assert found["small"] == found["file"]
    assert found["small"][1] == (7, 3, 1, 3)
    assert [(n, reason) for n, _, reason, _ in found["small"][2]] == [
        (5, "bad_check_digit"), (6, "future_date"), (7, "bad_check_digit"),
    ]  # fmt: skip


def test_a_posted_row_is_checked_by_a_statement_prepared_once(tmp_path: Path) -> None:
    """The second post of a source on the same connection runs the statement the first
    prepared: one prepared statement, and the second row checked by it."""
    mapping = _late_mapping(tmp_path)
    ws = Workspace.init(tmp_path / "ws")
    con = ws.connect()
    try:
        for n in (1, 2):
            path = tmp_path / f"row{n}.jsonl"
            row = {"case": f"J{n}", "kind": "ORG", "code": FIRM, "event": "UNF", "day": "2026-04-0"}
            path.write_text(json.dumps({**row, "day": f"2026-04-0{n}"}) + "\n", encoding="utf-8")
            con.execute("BEGIN TRANSACTION")
            assert ingest_small(ws, con, path, mapping).report.loaded == 1
            con.execute("COMMIT")
        names = con.execute(
            "SELECT name FROM duckdb_prepared_statements() WHERE name LIKE 'credence_stage_%'"
        ).fetchall()
        assert len(names) == 1
    finally:
        con.close()


def _late_mapping(tmp_path: Path) -> SourceMapping:
    (tmp_path / "late.yaml").write_text(MAPPING, encoding="utf-8")
    return load_mapping(tmp_path / "late.yaml")


def _small_intake(ws: Workspace, path: Path, mapping: SourceMapping) -> SmallIngest:
    """``ingest_small`` in a transaction of its own, as the service runs it."""
    con = ws.connect()
    try:
        con.execute("BEGIN TRANSACTION")
        small = ingest_small(ws, con, path, mapping)
        con.execute("COMMIT")
    finally:
        con.close()
    return small
