"""Ingest: good rows load, every bad row lands in quarantine with its reason, batches are atomic."""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from credence.errors import IngestError, MappingError
from credence.identifiers import generate_ric, generate_uscc, mask
from credence.ingest import find_mapping, ingest_file, load_mapping, pipeline
from credence.model import RECORD_SCHEMA
from credence.store import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
TAX_COLUMNS = ["case_no", "subj_type", "uscc", "event", "filed_on", "amount_cny", "firm_name"]
TAX_COLUMNS += ["addr", "fulfilled"]


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> Path:
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns})
    pq.write_table(table, path)
    return path


def bad_check(code: str) -> str:
    """The same code with a wrong last character."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


@pytest.fixture(autouse=True)
def parquet_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about Parquet batches: keep even a three-row batch out of the catalog
    (tests/test_inline_records.py covers small batches kept inline)."""
    monkeypatch.setattr(pipeline, "INLINE_MAX_ROWS", 0)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20270101)


def tax_rows(rng: random.Random) -> list[dict[str, Any]]:
    org, person = generate_uscc(rng), generate_ric(rng)
    base = {"amount_cny": "", "firm_name": "", "addr": "", "fulfilled": ""}
    return [
        {
            **base,
            "case_no": "T1",
            "subj_type": "ORG",
            "uscc": org.lower(),
            "event": "LATE",
            "filed_on": "2024-03-01",
            "amount_cny": "1200.50",
            "firm_name": "Acme",
            "addr": "1 Rd",
        },
        {
            **base,
            "case_no": "T2",
            "subj_type": "PER",
            "uscc": person,
            "event": "ARREARS",
            "filed_on": "2023-12-31",
            "fulfilled": "false",
        },
        {
            **base,
            "case_no": "T3",
            "subj_type": "ORG",
            "uscc": "",
            "event": "LATE",
            "filed_on": "2024-01-02",
            "firm_name": "Old Mill Co",
        },
    ]


def records(ws: Workspace, order: str = "row_number") -> list[dict[str, Any]]:
    con = ws.connect(read_only=True)
    try:
        rel = con.sql(f"SELECT * FROM records ORDER BY {order}")
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()


def quarantined(ws: Workspace) -> list[tuple[Any, ...]]:
    con = ws.connect(read_only=True)
    try:
        return con.execute(
            "SELECT row_number, reason, field, detail, raw FROM quarantine ORDER BY row_number"
        ).fetchall()
    finally:
        con.close()


def test_good_rows_load_as_canonical_records(ws: Workspace, rng: random.Random, tmp_path: Path):
    rows = tax_rows(rng)
    data = write_csv(tmp_path / "tax.csv", rows, TAX_COLUMNS)
    report = ingest_file(ws, data, load_mapping(FIXTURES / "city-tax-bureau.yaml"))
    assert (report.rows_in, report.loaded, report.quarantined, report.duplicates) == (3, 3, 0, 0)
    first, second, third = records(ws)
    assert first["subject_code"] == rows[0]["uscc"].upper()  # canonical spelling
    assert (first["subject_kind"], first["kind"]) == ("organization", "tax.filing.late")
    assert (first["occurred_at"], first["amount"]) == (date(2024, 3, 1), 1200.5)
    assert (first["source"], first["level"], first["stream"], first["category"]) == (
        "city-tax-bureau",
        "city",
        "administrative",
        "tax",
    )
    assert json.loads(first["hints"]) == {"name": "Acme", "address": "1 Rd"}
    assert (first["batch_id"], first["row_number"]) == (report.batch_id, 1)
    assert (second["subject_kind"], second["kind"]) == ("person", "tax.payment.arrears")
    assert second["amount"] is None
    assert json.loads(second["attributes"]) == {"fulfilled": "false"}
    # no code but a name: kept, unresolved, for the resolution stage
    assert third["subject_code"] is None
    assert json.loads(third["hints"])["name"] == "Old Mill Co"
    assert len({r["record_id"] for r in (first, second, third)}) == 3


MARKET_COLUMNS = ["order_id", "line", "holder_type", "holder_id", "kind", "due_on", "overdue"]
MARKET_COLUMNS += ["consent", "cat", "holder_name", "born", "channel"]


def market_rows(rng: random.Random) -> tuple[list[dict[str, Any]], dict[int, tuple[str, str]]]:
    """One good row, then one row per failing check: {row_number: (reason, field)}."""
    person, org = generate_ric(rng), generate_uscc(rng)
    good = {
        "order_id": "A",
        "line": "1",
        "holder_type": "P",
        "holder_id": person,
        "kind": "loan.repayment.late",
        "due_on": "05/01/2024",
        "overdue": "300",
        "consent": "C-1",
        "cat": "",
        "holder_name": "Wang",
        "born": "",
        "channel": "app",
    }
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"holder_id": bad_check(person)}, "bad_check_digit", "subject_code"),
        ({"holder_type": "O", "holder_id": bad_check(org)}, "bad_check_digit", "subject_code"),
        ({"holder_type": "O", "holder_id": person}, "bad_check_digit", "subject_code"),
        ({"holder_id": "", "holder_name": ""}, "missing_subject_code", "subject_code"),
        ({"holder_type": "X"}, "unknown_subject_kind", "subject_kind"),
        ({"due_on": "2024-01-05"}, "unparseable_date", "occurred_at"),
        ({"due_on": "31/02/2024"}, "unparseable_date", "occurred_at"),
        ({"due_on": "01/01/2999"}, "future_date", "occurred_at"),
        ({"kind": "loan.repayment.forgiven"}, "unknown_kind", "kind"),
        ({"consent": ""}, "missing_consent", "consent_ref"),
        ({"cat": "health"}, "forbidden_category", "category"),
        ({"overdue": "abc"}, "wrong_type", "amount"),
        ({"overdue": "inf"}, "wrong_type", "amount"),
        ({"kind": ""}, "missing_field", "kind"),
        ({"due_on": " "}, "missing_field", "occurred_at"),
        ({"order_id": ""}, "missing_field", "record_key"),
        # several failures: the first check in order wins
        (
            {"holder_id": bad_check(person), "due_on": "01/01/2999"},
            "bad_check_digit",
            "subject_code",
        ),
    ]
    rows = [good]
    expected: dict[int, tuple[str, str]] = {}
    for number, (change, reason, field) in enumerate(cases, start=2):
        rows.append({**good, "line": str(number), **change})
        expected[number] = (reason, field)
    rows.append(
        {**good, "line": "99", "holder_id": "", "cat": "utility"}
    )  # unresolved, own category
    return rows, expected


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_every_reason_lands_in_quarantine_with_field_and_row(
    ws: Workspace, rng: random.Random, tmp_path: Path, fmt: str
) -> None:
    rows, expected = market_rows(rng)
    path = tmp_path / f"market.{fmt}"
    if fmt == "csv":
        write_csv(path, rows, MARKET_COLUMNS)
    elif fmt == "jsonl":
        write_jsonl(path, rows)
    else:
        write_parquet(path, rows, MARKET_COLUMNS)
    report = ingest_file(ws, path, load_mapping(FIXTURES / "market-platform.yaml"))
    assert report.rows_in == len(rows)
    assert report.loaded == 2
    assert report.quarantined == len(expected)
    got = {number: (reason, field) for number, reason, field, _, _ in quarantined(ws)}
    assert got == expected
    reasons = [reason for reason, _ in expected.values()]
    assert report.quarantined_by_reason == {r: reasons.count(r) for r in set(reasons)}
    loaded = records(ws)
    assert [r["row_number"] for r in loaded] == [1, len(rows)]
    assert loaded[1]["subject_code"] is None
    assert loaded[1]["category"] == "utility"
    assert loaded[0]["category"] == "loan"
    assert loaded[0]["consent_ref"] == "C-1"


def test_chunks_checked_in_groups_give_what_one_chunk_gives(
    rng: random.Random, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet file read three rows at a time, its chunks checked seven rows or more a
    statement in scan batches of two rows: the records and quarantine of one whole chunk."""
    from credence.ingest import readers, stage

    rows, expected = market_rows(rng)
    path = write_parquet(tmp_path / "market.parquet", rows, MARKET_COLUMNS)
    mapping = load_mapping(FIXTURES / "market-platform.yaml")
    whole = Workspace.init(tmp_path / "whole")
    ingest_file(whole, path, mapping)
    monkeypatch.setattr(readers, "PARQUET_BATCH_ROWS", 3)
    monkeypatch.setattr(stage, "GROUP_ROWS", 7)
    monkeypatch.setattr(stage, "SCAN_BATCH_ROWS", 2)
    checked: list[int] = []
    scan = stage.for_parallel_scan
    monkeypatch.setattr(stage, "for_parallel_scan", lambda tables: checked.append(
        sum(t.num_rows for t in tables)) or scan(tables))  # fmt: skip
    grouped = Workspace.init(tmp_path / "grouped")
    report = ingest_file(grouped, path, mapping)
    assert checked == [9, 9, 1] and sum(checked) == len(rows) == report.rows_in
    assert report.quarantined == len(expected)
    assert quarantined(grouped) == quarantined(whole)
    ignore = {"batch_id", "ingested_at"}
    assert [{k: v for k, v in r.items() if k not in ignore} for r in records(grouped)] == [
        {k: v for k, v in r.items() if k not in ignore} for r in records(whole)
    ]
    batch = scan([pa.table({"a": list(range(5))}), pa.table({"a": [5, 6]})])
    assert [b.num_rows for b in batch.to_batches()] == [2, 2, 1, 2] and batch.num_rows == 7


def test_details_say_the_value_and_mask_identity_numbers(
    ws: Workspace, rng: random.Random, tmp_path: Path
) -> None:
    rows, _ = market_rows(rng)
    path = write_csv(tmp_path / "market.csv", rows, MARKET_COLUMNS)
    ingest_file(ws, path, load_mapping(FIXTURES / "market-platform.yaml"))
    by_row = {number: (detail, raw) for number, _, _, detail, raw in quarantined(ws)}
    assert by_row[13][0] == "amount 'abc' is not a number"
    assert "31/02/2024" in by_row[8][0]
    assert "loan.repayment.forgiven" in by_row[10][0]
    wrong_person = bad_check(rows[0]["holder_id"])
    assert mask(wrong_person) in by_row[2][0]
    assert wrong_person not in by_row[2][0]
    assert json.loads(by_row[2][1]) == rows[1]  # the original row, every column


def test_rows_that_are_not_json_objects_are_wrong_type(
    ws: Workspace, rng: random.Random, tmp_path: Path
) -> None:
    rows = tax_rows(rng)
    lines: list[Any] = [rows[0], "", "[1, 2]", "{not json", '"text"', rows[1]]
    path = write_jsonl(tmp_path / "tax.jsonl", lines)
    report = ingest_file(ws, path, load_mapping(FIXTURES / "city-tax-bureau.yaml"))
    assert (report.rows_in, report.loaded, report.quarantined) == (5, 2, 3)
    bad = quarantined(ws)
    assert [(n, reason, field) for n, reason, field, _, _ in bad] == [
        (3, "wrong_type", "row"),
        (4, "wrong_type", "row"),
        (5, "wrong_type", "row"),
    ]
    assert json.loads(bad[0][4]) == [1, 2]
    assert json.loads(bad[1][4]) == "{not json"  # unparseable text kept as a JSON string
    assert [r["row_number"] for r in records(ws)] == [1, 6]  # line numbers


def test_line_ends_and_quoted_newlines_keep_row_numbers(
    ws: Workspace, rng: random.Random, tmp_path: Path
) -> None:
    rows = tax_rows(rng)
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    crlf = tmp_path / "tax.jsonl"
    crlf.write_bytes(b"\r\n".join(json.dumps(r).encode() for r in rows) + b"\r\n")
    assert ingest_file(ws, crlf, mapping).loaded == 3
    other = Workspace.init(tmp_path / "other")
    multiline = [{**rows[0], "addr": "1 Rd\nBlock 2"}, {**rows[1], "filed_on": "never"}]
    path = write_csv(tmp_path / "tax.csv", multiline, TAX_COLUMNS)
    report = ingest_file(other, path, mapping)
    assert (report.loaded, report.quarantined) == (1, 1)
    assert [(n, reason) for n, reason, *_ in quarantined(other)] == [(2, "unparseable_date")]
    assert json.loads(records(other)[0]["hints"])["address"] == "1 Rd\nBlock 2"


def test_csv_jsonl_and_parquet_give_the_same_records(rng: random.Random, tmp_path: Path) -> None:
    rows = tax_rows(rng)
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    keep = ["record_id", "subject_code", "kind", "occurred_at", "amount", "hints", "attributes"]
    seen = []
    for fmt in ("csv", "jsonl", "parquet"):
        ws = Workspace.init(tmp_path / f"ws-{fmt}")
        path = tmp_path / f"tax.{fmt}"
        if fmt == "csv":
            write_csv(path, rows, TAX_COLUMNS)
        elif fmt == "jsonl":
            write_jsonl(path, rows)
        else:
            write_parquet(path, rows, TAX_COLUMNS)
        ingest_file(ws, path, mapping)
        seen.append([{k: r[k] for k in keep} for r in records(ws)])
    assert seen[0] == seen[1] == seen[2]
    assert len(seen[0]) == 3


def test_typed_parquet_columns_are_read_natively(ws: Workspace, rng: random.Random, tmp_path):
    code = generate_uscc(rng)
    table = pa.table(
        {
            "code": [code, code],
            "decided": pa.array([date(2022, 5, 1), date(2023, 6, 2)]),
            "sum": pa.array([150000, None], pa.int64()),
            "name": ["Acme", "Acme"],
        }
    )
    pq.write_table(table, tmp_path / "court.parquet")
    mapping = load_mapping(FIXTURES / "court-minimal.yaml")
    report = ingest_file(ws, tmp_path / "court.parquet", mapping)
    assert report.loaded == 2
    loaded = records(ws)
    assert [(r["occurred_at"], r["amount"]) for r in loaded] == [
        (date(2022, 5, 1), 150000.0),
        (date(2023, 6, 2), None),
    ]
    assert {r["kind"] for r in loaded} == {"court.judgment.unfulfilled"}


def test_batches_are_written_with_exactly_the_record_schema(
    ws: Workspace, rng: random.Random, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "tax.csv", tax_rows(rng), TAX_COLUMNS)
    report = ingest_file(ws, path, load_mapping(FIXTURES / "city-tax-bureau.yaml"))
    parts = sorted(ws.batch_dir(report.batch_id).glob("*.parquet"))
    assert parts
    for part in parts:
        assert pq.read_schema(part).equals(RECORD_SCHEMA)
    assert sum(pq.read_metadata(p).num_rows for p in parts) == 3


def test_reingesting_the_same_file_adds_nothing(ws: Workspace, rng: random.Random, tmp_path):
    path = write_csv(tmp_path / "tax.csv", tax_rows(rng), TAX_COLUMNS)
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    first = ingest_file(ws, path, mapping)
    again = ingest_file(ws, path, mapping)
    assert again.already_ingested and not first.already_ingested
    assert again.batch_id == first.batch_id
    assert (again.loaded, again.rows_in) == (0, 0)
    assert len(records(ws)) == 3
    con = ws.connect(read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM batches").fetchall() == [(1,)]
    finally:
        con.close()


def test_rows_already_loaded_or_repeated_are_duplicates(
    ws: Workspace, rng: random.Random, tmp_path: Path
) -> None:
    rows = tax_rows(rng)
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    ingest_file(ws, write_csv(tmp_path / "a.csv", rows, TAX_COLUMNS), mapping)
    extra = {**rows[0], "case_no": "T4", "filed_on": "2024-04-01"}
    second = write_csv(tmp_path / "b.csv", [*rows, extra, extra], TAX_COLUMNS)
    report = ingest_file(ws, second, mapping)
    assert (report.rows_in, report.loaded, report.duplicates) == (5, 1, 4)
    assert sorted(r["row_number"] for r in records(ws) if r["batch_id"] == report.batch_id) == [4]
    assert len(records(ws)) == 4


def test_without_a_key_identical_content_is_one_record(
    ws: Workspace, rng: random.Random, tmp_path: Path
) -> None:
    code = generate_uscc(rng)
    rows = [{"code": code, "decided": "2024-01-02", "sum": "10", "name": "A"}] * 2
    rows += [{"code": code, "decided": "2024-01-02", "sum": "11", "name": "A"}]
    path = write_csv(tmp_path / "court.csv", rows, ["code", "decided", "sum", "name"])
    report = ingest_file(ws, path, load_mapping(FIXTURES / "court-minimal.yaml"))
    assert (report.loaded, report.duplicates) == (2, 1)


def test_a_crash_before_commit_leaves_nothing_and_a_rerun_completes(
    ws: Workspace, rng: random.Random, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    rows = tax_rows(rng)
    earlier = [{**rows[0], "case_no": "T0"}]
    ingest_file(ws, write_csv(tmp_path / "a.csv", earlier, TAX_COLUMNS), mapping)
    rows.append({**rows[0], "uscc": bad_check(rows[0]["uscc"]), "case_no": "T9"})
    path = write_csv(tmp_path / "b.csv", rows, TAX_COLUMNS)
    before = records(ws)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(pipeline, "commit_batch", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        ingest_file(ws, path, mapping)
    batch_id = pipeline.batch_id_for(mapping.source, pipeline.fingerprint(path).sha256)
    assert ws.batch_dir(batch_id).is_dir()  # the orphan folder the crash left behind
    assert records(ws) == before
    assert quarantined(ws) == []
    monkeypatch.undo()
    report = ingest_file(ws, path, mapping)
    assert not report.already_ingested
    assert (report.rows_in, report.loaded, report.quarantined) == (4, 3, 1)
    assert len(records(ws)) == len(before) + 3
    assert [(n, reason) for n, reason, *_ in quarantined(ws)] == [(4, "bad_check_digit")]
    assert not list(ws.temp_dir.glob("ingest-*"))


def test_an_orphan_folder_with_junk_is_replaced(ws: Workspace, rng: random.Random, tmp_path):
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    path = write_csv(tmp_path / "tax.csv", tax_rows(rng), TAX_COLUMNS)
    batch_id = pipeline.batch_id_for(mapping.source, pipeline.fingerprint(path).sha256)
    orphan = ws.batch_dir(batch_id)
    orphan.mkdir(parents=True)
    (orphan / "part-99999.parquet").write_bytes(b"half a file")
    report = ingest_file(ws, path, mapping)
    assert report.loaded == 3
    assert sorted(p.name for p in orphan.iterdir()) == ["index", "part-00000.parquet"]
    assert [p.name for p in (orphan / "index").iterdir()] == ["ids.parquet"]
    assert len(records(ws)) == 3


def test_progress_reports_rows_done(ws: Workspace, rng: random.Random, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tax.csv", tax_rows(rng), TAX_COLUMNS)
    calls: list[tuple[int, int | None]] = []
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    ingest_file(ws, path, mapping, lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)
    assert all(done <= 3 for done, _ in calls)


def test_unreadable_files_raise_ingest_errors_naming_the_file(ws: Workspace, tmp_path: Path):
    mapping = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    odd = tmp_path / "tax.xlsx"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(IngestError, match=r"tax\.xlsx.*unknown file type"):
        ingest_file(ws, odd, mapping)
    with pytest.raises(IngestError, match="no such file"):
        ingest_file(ws, tmp_path / "absent.csv", mapping)
    narrow = write_csv(tmp_path / "narrow.csv", [{"case_no": "1"}], ["case_no"])
    with pytest.raises(IngestError, match=r"narrow\.csv lacks column\(s\) uscc"):
        ingest_file(ws, narrow, mapping)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\n")
    with pytest.raises(IngestError, match=r"empty\.csv.*header"):
        ingest_file(ws, empty, mapping)
    assert records(ws) == []  # a bad line in a readable file: tests/test_ingest_bad_lines.py


def test_find_mapping_looks_in_order_and_says_where(ws: Workspace, tmp_path: Path) -> None:
    data = tmp_path / "in" / "tax.csv"
    data.parent.mkdir()
    with pytest.raises(IngestError, match="no mapping for source 'city-tax-bureau'"):
        find_mapping(ws, "city-tax-bureau", data)
    explicit = find_mapping(ws, "city-tax-bureau", data, FIXTURES / "city-tax-bureau.yaml")
    assert explicit.source == "city-tax-bureau"
    beside = data.parent / "city-tax-bureau.yaml"
    beside.write_text((FIXTURES / "city-tax-bureau.yaml").read_text(encoding="utf-8"))
    assert find_mapping(ws, "city-tax-bureau", data) == explicit
    write_csv(data, [], TAX_COLUMNS)
    ingest_file(ws, data, explicit)
    beside.unlink()
    assert find_mapping(ws, "city-tax-bureau", data) == explicit  # from the catalog
    with pytest.raises(MappingError, match="another source"):
        find_mapping(ws, "market-platform", data, FIXTURES / "city-tax-bureau.yaml")
