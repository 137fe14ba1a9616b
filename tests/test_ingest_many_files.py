"""Many files of one source as one batch: the same records as one concatenated file, rows
numbered batch-wide, quarantine and provenance pointing into the file each row came from, the
same files in any order one batch, and a kill -9 in the middle leaving nothing visible."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from credence.cli.app import app
from credence.errors import IngestError
from credence.identifiers import generate_uscc
from credence.ingest import expand_paths, ingest_file, ingest_files, load_mapping, pipeline
from credence.ingest.readers import fingerprint
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.runs.subject_file import subject_file
from credence.store import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SOURCE = "city-tax-bureau"
COLUMNS = ["case_no", "subj_type", "uscc", "event", "filed_on", "amount_cny", "firm_name"]
COLUMNS += ["addr", "fulfilled"]
HEADER = ",".join(COLUMNS)
CODES = [generate_uscc(random.Random(seed)) for seed in range(20)]
CLI = [sys.executable, "-c", "from credence.cli.app import main; main()"]

runner = CliRunner()


def bad_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def row(n: int, code: str | None = None) -> str:
    """Case Tn of an organisation (CODES[n] unless given), a late filing."""
    day = f"2024-03-{n % 28 + 1:02d}"
    return f"T{n},ORG,{code or CODES[n]},LATE,{day},{100 + n},Firm {n},{n} Rd,"


def squashed(text: str) -> str:
    """Output without whitespace and box lines, so a long path folded by rich reads whole."""
    return "".join(re.sub(r"[│╭╮╰╯─┃━┏┓┗┛┡┩└┘┌┐├┤┬┴┼]", "", text).split())


A = [row(1), row(2), row(3), row(4)]
# A bad check digit (data row 2), a blank line (no row) and, last, a line with too few fields
# (data row 4): an unreadable line keeps its place, so the third file begins at batch row 9.
B = [row(5), row(6, bad_check(CODES[6])), "", row(8), "T9,ORG,x,LATE"]
C = [row(10), row(11), row(2), row(12)]  # T2 again: a repeat within the batch


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def mapping() -> Any:
    return load_mapping(FIXTURES / f"{SOURCE}.yaml")


@pytest.fixture(params=["parquet", "inline"])
def ws(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Both ways a batch is written: Parquet files and, a few rows, inline in the catalog."""
    if request.param == "parquet":
        monkeypatch.setattr(pipeline, "INLINE_MAX_ROWS", 0)
    return Workspace.init(tmp_path / "ws")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three CSV exports of one source, the mapping beside them (not data: never ingested)."""
    where = tmp_path / "export"
    where.mkdir()
    write_csv(where / "a.csv", A)
    write_csv(where / "b.csv", B)
    write_csv(where / "c.csv", C)
    (where / f"{SOURCE}.yaml").write_text(
        (FIXTURES / f"{SOURCE}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return where


def query(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    con = ws.connect(read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


RECORDS = "SELECT record_id, row_number, subject_code, kind, occurred_at, amount, hints"
RECORDS += " FROM records"


def test_three_files_are_the_records_of_their_concatenation(
    ws: Workspace, folder: Path, tmp_path: Path
) -> None:
    report = ingest_files(ws, expand_paths([folder]), mapping())
    assert [Path(f.file).name for f in report.files] == ["a.csv", "b.csv", "c.csv"]
    assert [(f.first_row, f.rows) for f in report.files] == [(1, 4), (5, 4), (9, 4)]
    assert (report.rows_in, report.loaded, report.duplicates, report.quarantined) == (12, 9, 1, 2)
    assert report.file == f"{folder} (3 files)"

    whole = write_csv(tmp_path / "all.csv", [*A, *B, *C])
    alone = Workspace.init(tmp_path / "alone")
    single = ingest_file(alone, whole, mapping())
    assert (single.rows_in, single.loaded, single.duplicates) == (12, 9, 1)
    many = query(ws, f"{RECORDS} ORDER BY record_id")
    assert len(many) == 9
    assert many == query(alone, f"{RECORDS} ORDER BY record_id")  # ids and row numbers too

    bad = query(ws, "SELECT file, row_number, reason FROM quarantine ORDER BY row_number")
    assert bad == [
        (str(folder / "b.csv"), 2, "bad_check_digit"),
        (str(folder / "b.csv"), 4, "wrong_field_count"),
    ]
    assert query(alone, "SELECT row_number, reason FROM quarantine ORDER BY row_number") == [
        (6, "bad_check_digit"),
        (8, "wrong_field_count"),
    ]
    files = query(
        ws,
        "SELECT batch_id, file_index, file, file_sha256, first_row, rows FROM batch_files"
        " ORDER BY file_index",
    )
    expected = [("a.csv", 1, 4), ("b.csv", 5, 4), ("c.csv", 9, 4)]
    assert files == [
        (report.batch_id, i, str(folder / name), fingerprint(folder / name).sha256, first, rows)
        for i, (name, first, rows) in enumerate(expected)
    ]
    ((label, sha),) = query(ws, "SELECT file, file_sha256 FROM batches")
    assert label == f"{folder} (3 files)"
    assert sha not in {f[3] for f in files}  # the batch's own digest, not one file's


def test_one_file_keeps_its_batch_id_and_gains_its_batch_files_row(
    ws: Workspace, folder: Path
) -> None:
    path = folder / "a.csv"
    report = ingest_files(ws, [path], mapping())
    assert report.batch_id == pipeline.batch_id_for(SOURCE, fingerprint(path).sha256)
    assert report.file == str(path)
    assert query(ws, "SELECT file, first_row, rows FROM batch_files") == [(str(path), 1, 4)]
    assert [(f.file, f.rows, f.first_row) for f in report.files] == [(str(path), 4, 1)]


def test_a_glob_and_paths_in_any_order_are_the_same_batch_and_a_rerun_adds_nothing(
    ws: Workspace, folder: Path
) -> None:
    first = ingest_files(ws, expand_paths([str(folder / "*.csv")]), mapping())
    assert not first.already_ingested and first.loaded == 9
    shuffled = [folder / "c.csv", folder / "a.csv", folder / "b.csv", folder / "a.csv"]
    again = ingest_files(ws, shuffled, mapping())
    assert again.already_ingested and again.batch_id == first.batch_id
    assert (again.rows_in, again.loaded) == (0, 0)
    assert [(f.rows, f.first_row) for f in again.files] == [(4, 1), (4, 5), (4, 9)]
    relative = os.path.relpath(folder / "b.csv")
    mixed = expand_paths([folder / "c.csv", relative, str(folder / "[a].csv")])
    assert ingest_files(ws, mixed, mapping()).batch_id == first.batch_id
    assert query(ws, "SELECT count(*) FROM batches") == [(1,)]
    assert query(ws, "SELECT count(*) FROM records") == [(9,)]
    assert query(ws, "SELECT count(*) FROM quarantine") == [(2,)]
    two = ingest_files(ws, [folder / "a.csv", folder / "b.csv"], mapping())
    assert two.batch_id != first.batch_id  # another set of files is another batch
    assert (two.loaded, two.duplicates) == (0, 6)  # its good rows are all in already


def test_a_file_ingested_alone_first_is_not_doubled(ws: Workspace, folder: Path) -> None:
    alone = ingest_file(ws, folder / "b.csv", mapping())
    assert alone.loaded == 2
    report = ingest_files(ws, expand_paths([folder]), mapping())
    assert (report.loaded, report.duplicates) == (7, 3)
    assert query(ws, "SELECT count(*), count(DISTINCT record_id) FROM records") == [(9, 9)]


def test_provenance_names_the_third_file_and_its_own_row(ws: Workspace, folder: Path) -> None:
    ingest_files(ws, expand_paths([folder]), mapping())
    ((record_id, batch_row),) = query(
        ws, f"SELECT record_id, row_number FROM records WHERE subject_code = '{CODES[11]}'"
    )
    assert batch_row == 10
    ruleset = load_ruleset(default_ruleset_path())
    con = ws.connect(read_only=True)
    try:
        found = subject_file(con, CODES[11], ruleset, date(2025, 1, 1)).provenance[record_id]
    finally:
        con.close()
    assert (found["file"], found["row_number"]) == ("c.csv", 2)  # the name, never the folder


def test_provenance_falls_back_to_the_batch_file_without_batch_files(
    ws: Workspace, folder: Path
) -> None:
    """A workspace from before ``batch_files``: its one-file batches still name file and row;
    opened read-only before the table exists, nothing fails; opened to write, it is added."""
    ingest_file(ws, folder / "c.csv", mapping())
    con = ws.connect()
    try:
        con.execute("DROP TABLE batch_files")
    finally:
        con.close()
    ruleset = load_ruleset(default_ruleset_path())
    con = ws.connect(read_only=True)
    try:
        lines = subject_file(con, CODES[12], ruleset, date(2025, 1, 1)).provenance.values()
    finally:
        con.close()
    assert [(p["file"], p["row_number"]) for p in lines] == [("c.csv", 4)]
    con = ws.connect()  # a connection that may write migrates the catalog
    try:
        assert con.execute("SELECT count(*) FROM batch_files").fetchall() == [(0,)]
    finally:
        con.close()


def test_mixed_formats_each_get_their_plan_and_number_on(ws: Workspace, tmp_path: Path) -> None:
    where = tmp_path / "mixed"
    where.mkdir()
    write_csv(where / "a.csv", A)
    lines = [dict(zip(COLUMNS, r.split(","), strict=True)) for r in (row(5), row(6), row(7))]
    text = [json.dumps(line) for line in lines[:2]] + ["not json", json.dumps(lines[2])]
    (where / "b.jsonl").write_text("\n".join(text) + "\n", encoding="utf-8")
    table = [dict(zip(COLUMNS, row(n).split(","), strict=True)) for n in (8, 9)]
    pq.write_table(pa.table({c: [r[c] for r in table] for c in COLUMNS}), where / "c.parquet")
    report = ingest_files(ws, expand_paths([where]), mapping())
    assert [(f.first_row, f.rows) for f in report.files] == [(1, 4), (5, 4), (9, 2)]
    assert (report.loaded, report.quarantined) == (9, 1)
    numbers = query(ws, "SELECT row_number FROM records ORDER BY row_number")
    assert [n for (n,) in numbers] == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert query(ws, "SELECT file, row_number FROM quarantine") == [(str(where / "b.jsonl"), 3)]


def test_progress_is_one_bar_over_all_files(ws: Workspace, folder: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    reading: list[tuple[int, str]] = []
    ingest_files(
        ws, expand_paths([folder]), mapping(), lambda done, total: calls.append((done, total)),
        on_file=lambda index, path: reading.append((index, path.name)),
    )  # fmt: skip
    assert reading == [(0, "a.csv"), (1, "b.csv"), (2, "c.csv")]
    assert calls[-1] == (12, 12)
    done = [d for d, _ in calls]
    assert done == sorted(done)


def test_nothing_to_ingest_is_one_clear_error_and_writes_nothing(
    ws: Workspace, folder: Path, tmp_path: Path
) -> None:
    pattern = str(folder / "*.ndjson")
    with pytest.raises(IngestError, match=r"no file to ingest matches .*\*\.ndjson") as error:
        expand_paths([folder / "a.csv", pattern])
    assert "\n" not in str(error.value) and pattern in str(error.value)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not data", encoding="utf-8")
    with pytest.raises(IngestError, match=r"empty holds no file to ingest"):
        expand_paths([empty])
    with pytest.raises(IngestError, match=r"absent\.csv: no such file"):
        expand_paths([folder / "absent.csv"])
    (folder / "d.csv").write_text("case_no,uscc\nT1,x\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"d\.csv lacks column\(s\)"):
        ingest_files(ws, expand_paths([folder]), mapping())
    for args in ([pattern], [str(empty)]):
        done = runner.invoke(app, ["ingest", *args, "-s", SOURCE, "-w", str(ws.root)])
        assert done.exit_code == 2, done.output
        assert squashed(args[0]) in squashed(done.stderr), done.stderr
        assert "Traceback" not in done.stderr
    assert query(ws, "SELECT count(*) FROM batches") == [(0,)]
    assert query(ws, "SELECT count(*) FROM batch_files") == [(0,)]
    assert not list(ws.records_dir.iterdir())
    assert not list(ws.temp_dir.glob("ingest-*"))


def test_the_command_takes_a_folder_and_reports_every_file(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # paths named relative, as typed: short enough to read whole
    assert runner.invoke(app, ["init", "ws"]).exit_code == 0
    done = runner.invoke(app, ["ingest", "export", "-s", SOURCE, "-w", "ws", "-f", "json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["files"] == [
        {"file": "export/a.csv", "rows": 4, "first_row": 1},
        {"file": "export/b.csv", "rows": 4, "first_row": 5},
        {"file": "export/c.csv", "rows": 4, "first_row": 9},
    ]
    assert (report["loaded"], report["quarantined"], report["file"]) == (9, 2, "export (3 files)")
    shown = runner.invoke(app, ["quarantine", "-w", "ws", "-f", "json"])
    rows = json.loads(shown.stdout)["rows"]
    assert [(r["file"], r["row_number"]) for r in rows] == [
        ("export/b.csv", 2),
        ("export/b.csv", 4),
    ]
    table = runner.invoke(app, ["quarantine", "-w", "ws"])
    assert "export/b.csv:2" in table.stdout and "export/b.csv:4" in table.stdout
    again = runner.invoke(app, ["ingest", "export/*.csv", "-s", SOURCE, "-w", "ws"])
    assert again.exit_code == 0, again.output
    assert "export (3 files) is already ingested" in " ".join(again.stdout.split())


def test_the_table_lists_the_files(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner.invoke(app, ["init", "ws"])
    done = runner.invoke(app, ["ingest", "export/c.csv", "export/a.csv", "-s", SOURCE, "-w", "ws"])
    assert done.exit_code == 0, done.output
    assert "2 files, one batch" in done.stdout
    listed = [line.split()[1:4] for line in done.stdout.splitlines() if "export/" in line]
    assert listed == [["export/a.csv", "│", "4"], ["export/c.csv", "│", "4"]]  # batch order


# -- kill -9 in the middle ------------------------------------------------------------------

# The real command line, held still at one point of the ingest so that the kill lands there:
# before the third file is read (the first two staged on disk), or after the batch folder is
# renamed into records/ and before the commit.
HOLD = """
import sys, time
from credence.ingest import pipeline
where = sys.argv.pop(1)
def hold():
    print("held", flush=True)
    time.sleep(300)
if where == "staging":
    real = pipeline.stage_file
    def stage_file(con, source, *args, **kwargs):
        if source.path.name == "c.csv":
            hold()
        return real(con, source, *args, **kwargs)
    pipeline.stage_file = stage_file
else:
    pipeline.commit_batch = lambda *args, **kwargs: hold()
from credence.cli.app import main
main()
"""


def killed_when_held(script_and_args: list[str]) -> str:
    """Run ``python -c SCRIPT ARGS...``, kill -9 it once it prints ``held``; its stderr."""
    held = subprocess.Popen(
        [sys.executable, "-c", *script_and_args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert held.stdout is not None and held.stdout.readline().strip() == "held"
        os.kill(held.pid, signal.SIGKILL)
        assert held.wait(timeout=60) == -signal.SIGKILL
    finally:
        if held.poll() is None:
            held.kill()
        _, err = held.communicate()
    return err


def big_folder(where: Path) -> Path:
    """Three files of 150 rows each: more than an inline batch holds, so staged on disk."""
    where.mkdir()
    rng = random.Random(5)
    codes = [generate_uscc(rng) for _ in range(60)]
    for part, name in enumerate(("a.csv", "b.csv", "c.csv")):
        numbers = range(part * 150, (part + 1) * 150)
        write_csv(where / name, [row(n, codes[n % len(codes)]) for n in numbers])
    return where


@pytest.mark.parametrize("where", ["staging", "renamed"])
def test_a_kill_9_mid_way_leaves_nothing_visible_and_a_rerun_completes(
    where: str, tmp_path: Path
) -> None:
    data = big_folder(tmp_path / "export")
    root = tmp_path / "ws"
    Workspace.init(root)
    args = ["ingest", str(data), "-s", SOURCE, "-m", str(FIXTURES / f"{SOURCE}.yaml")]
    args += ["-w", str(root), "-f", "json"]
    killed_when_held([HOLD, where, *args])
    ws = Workspace.open(root)
    batch_id = pipeline.files_batch_id(
        SOURCE, [fingerprint(data / n).sha256 for n in ("a.csv", "b.csv", "c.csv")]
    )
    if where == "staging":
        staged = ws.temp_dir / f"ingest-{batch_id}" / "rows"
        assert len(list(staged.glob("*.parquet"))) >= 2  # the first two files, staged
        assert not ws.batch_dir(batch_id).exists()
    else:
        assert list(ws.batch_dir(batch_id).glob("*.parquet"))  # the orphan the kill left
    for table in ("batches", "batch_files", "quarantine"):
        assert query(ws, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert query(ws, "SELECT count(*) FROM records") == [(0,)]

    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["batch_id"] == batch_id and not report["already_ingested"]
    assert (report["rows_in"], report["loaded"]) == (450, 450)
    counts = "SELECT count(*), count(DISTINCT record_id), max(row_number) FROM records"
    assert query(ws, counts) == [(450, 450, 450)]
    assert query(ws, "SELECT first_row, rows FROM batch_files ORDER BY file_index") == [
        (1, 150),
        (151, 150),
        (301, 150),
    ]
    assert not list(ws.temp_dir.glob("ingest-*"))
