"""A bad line is one bad row: malformed CSV lines, bytes not in the declared encoding and values
past the API's bounds go to quarantine with their line and reason; the rest of the file loads."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credence.errors import MappingError
from credence.identifiers import generate_uscc
from credence.ingest import csv_lines, ingest_file, load_mapping, parse_mapping, pipeline
from credence.ingest.mapping import SourceMapping
from credence.store import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
HEADER = "case_no,subj_type,uscc,event,filed_on,amount_cny,firm_name,addr,fulfilled"
CODES = [generate_uscc(random.Random(seed)) for seed in range(40)]


def line(n: int, name: str = "Acme", day: str = "2024-03-01", addr: str = "1 Rd") -> str:
    return f"T{n},ORG,{CODES[n % len(CODES)]},LATE,{day},100,{name},{addr},"


def mapping(**changes: Any) -> SourceMapping:
    base = load_mapping(FIXTURES / "city-tax-bureau.yaml")
    return base.model_copy(update=changes)


def loaded(ws: Workspace) -> list[tuple[int, str]]:
    con = ws.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT row_number, json_extract_string(hints, '$.name') FROM records"
            " ORDER BY row_number"
        ).fetchall()
        return [(int(n), str(name)) for n, name in rows]
    finally:
        con.close()


def held(ws: Workspace) -> list[tuple[int, str, str, str, str]]:
    con = ws.connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT row_number, reason, field, detail, raw FROM quarantine ORDER BY row_number"
        ).fetchall()
        return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        con.close()


@pytest.fixture(params=["parquet", "inline"])
def ws(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Both ways a batch is written: Parquet files (the file path) and inline (a few rows)."""
    if request.param == "parquet":
        monkeypatch.setattr(pipeline, "INLINE_MAX_ROWS", 0)
    return Workspace.init(tmp_path / "ws")


def test_malformed_csv_lines_are_quarantined_with_their_line_and_the_rest_loads(
    ws: Workspace, tmp_path: Path
) -> None:
    lines = [
        HEADER,
        line(1),
        "T2,ORG,x,LATE",  # too few fields (line 3)
        line(3, name='"Mill, Co"'),  # quoted comma: fine
        'T4,ORG,"a,b",LATE,2024-01-01,1,"x,y",z,,extra',  # quoted, too many fields (line 5)
        "",  # a blank line is no row
        'T5,ORG,"unclosed,LATE,2024-01-01,1,Bad,Rd,',  # a broken quote (line 7)
        line(6, name="After"),
        line(7, addr='"Block 2\nFloor 3"'),  # a value spanning lines: one record
        line(8, name="Last"),
    ]
    path = tmp_path / "tax.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    report = ingest_file(ws, path, mapping())
    assert (report.loaded, report.quarantined) == (5, 3)
    assert report.quarantined_by_reason == {"broken_quote": 1, "wrong_field_count": 2}
    assert loaded(ws) == [(1, "Acme"), (3, "Mill, Co"), (6, "After"), (7, "Acme"), (8, "Last")]
    bad = held(ws)
    assert [(n, reason, field) for n, reason, field, _, _ in bad] == [
        (2, "wrong_field_count", "row"),
        (4, "wrong_field_count", "row"),
        (5, "broken_quote", "row"),
    ]
    assert bad[0][3] == "line 3 has 4 fields; the header has 9"
    assert bad[1][3] == "line 5 has 10 fields; the header has 9"
    assert bad[2][3] == "line 7: a quote is not closed"
    assert json.loads(bad[0][4]) == "T2,ORG,x,LATE"  # the line as it was, without its end


def test_an_unclosed_quote_at_the_end_holds_back_only_its_own_line(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "tax.csv"
    path.write_text("\n".join([HEADER, line(1), 'T2,ORG,"x,LATE', line(3)]), encoding="utf-8")
    report = ingest_file(ws, path, mapping())
    assert [n for n, _ in loaded(ws)] == [1, 3]
    assert [(n, r) for n, r, *_ in held(ws)] == [(2, "broken_quote")]
    assert report.rows_in == 3


def test_bytes_not_in_the_declared_encoding_are_one_bad_row(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "tax.csv"
    body = "\n".join([HEADER, line(1), line(2, name="caf\udce9"), line(3)]) + "\n"
    path.write_bytes(body.encode("utf-8", errors="surrogateescape"))
    ingest_file(ws, path, mapping())
    assert [n for n, _ in loaded(ws)] == [1, 3]
    ((number, reason, field, detail, raw),) = held(ws)
    assert (number, reason, field) == (2, "bad_encoding", "row")
    assert detail.startswith("line 3: bytes e9 at byte ") and detail.endswith("not valid utf-8")
    assert "caf\\xe9" in json.loads(raw)


def test_a_gbk_export_loads_when_its_mapping_declares_the_encoding(
    ws: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "tax.csv"
    body = "\n".join([HEADER, line(1, name="澜城建设有限公司"), line(2, addr="澜城区一路")])
    data = (body + "\n").encode("gbk") + line(3).encode("gbk")[:-1] + b",\x80\xff\n"
    path.write_bytes(data)
    gbk = mapping(encoding="gbk")
    ingest_file(ws, path, gbk)
    assert loaded(ws) == [(1, "澜城建设有限公司"), (2, "Acme")]
    ((number, reason, _, detail, _),) = held(ws)
    assert (number, reason) == (3, "bad_encoding")
    assert detail.endswith("not valid gbk")
    # read as UTF-8 (no encoding declared), the same Chinese lines are not valid
    other = Workspace.init(ws.root.parent / "other")
    report = ingest_file(other, path, mapping())
    assert report.quarantined_by_reason == {"bad_encoding": 3}


def test_a_mapping_names_a_known_encoding() -> None:
    text = (FIXTURES / "city-tax-bureau.yaml").read_text(encoding="utf-8")
    assert parse_mapping(text + "encoding: GBK\n").encoding == "gbk"
    assert parse_mapping(text).encoding is None
    with pytest.raises(MappingError) as raised:
        parse_mapping(text + "encoding: klingon\n")
    assert "unknown encoding 'klingon'" in str(raised.value.problems)


def test_a_json_line_not_in_utf8_is_one_bad_row(ws: Workspace, tmp_path: Path) -> None:
    good = {"case_no": "T1", "subj_type": "ORG", "uscc": CODES[1], "event": "LATE"}
    good |= {"filed_on": "2024-03-01", "firm_name": "Acme"}
    path = tmp_path / "tax.jsonl"
    bad = json.dumps({**good, "case_no": "T2", "firm_name": "caf"}).encode()[:-2] + b'\xe9"}'
    path.write_bytes(json.dumps(good).encode() + b"\n" + bad + b"\n")
    report = ingest_file(ws, path, mapping())
    assert (report.loaded, report.quarantined_by_reason) == (1, {"bad_encoding": 1})
    assert [(n, r) for n, r, *_ in held(ws)] == [(2, "bad_encoding")]


def test_file_values_meet_the_apis_bounds(ws: Workspace, tmp_path: Path) -> None:
    lines = [
        HEADER,
        line(1),
        line(2, name="x" * 1001),
        line(3, addr="Rd\x00"),
        line(4, day="1024-01-01"),
        line(5, name="=HYPERLINK(1)", day="1900-01-01"),  # loads: the CSV writers neutralise
        line(6, name="y" * 1000, addr="tab\tok"),
    ]
    path = tmp_path / "tax.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_file(ws, path, mapping())
    assert report.quarantined_by_reason == {
        "control_character": 1,
        "implausible_date": 1,
        "too_long": 1,
    }
    assert [n for n, _ in loaded(ws)] == [1, 5, 6]
    bad = {n: (reason, field, detail) for n, reason, field, detail, _ in held(ws)}
    assert bad[2] == ("too_long", "firm_name", "column 'firm_name' holds more than 1000 characters")
    assert bad[3] == ("control_character", "addr", "column 'addr' holds a control character")
    assert bad[4] == (
        "implausible_date",
        "occurred_at",
        "date 1024-01-01 is before 1900-01-01, not a plausible day",
    )


def test_a_posted_row_meets_the_same_bounds(ws: Workspace, tmp_path: Path) -> None:
    """JSON Lines of a few rows take the Python fast path when plain: never past the bounds."""
    good = {"case_no": "T1", "subj_type": "ORG", "uscc": CODES[1], "event": "LATE"}
    good |= {"filed_on": "2024-03-01", "firm_name": "Acme"}
    rows = [good, {**good, "case_no": "T2", "firm_name": "n" * 1001}]
    rows.append({**good, "case_no": "T3", "filed_on": "1899-12-31"})
    path = tmp_path / "tax.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = ingest_file(ws, path, mapping())
    assert report.quarantined_by_reason == {"implausible_date": 1, "too_long": 1}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kinds=st.lists(
        st.sampled_from(["good", "short", "long", "quote", "blank", "bytes", "multi"]),
        min_size=1,
        max_size=30,
    ),
    block=st.integers(min_value=16, max_value=400),
)
def test_any_mix_of_lines_keeps_every_good_row_with_its_number(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    kinds: list[str],
    block: int,
) -> None:
    """Whatever the lines and wherever the blocks are cut: every good row loads under its row
    number and every bad one is quarantined under its own, with its line in the detail."""
    monkeypatch.setattr(csv_lines, "BLOCK_BYTES", block)
    parts = [HEADER.encode()]
    good: list[int] = []
    bad: dict[int, tuple[str, int]] = {}
    row = 0
    at_line = 2
    for index, kind in enumerate(kinds):
        text = {
            "good": line(index).encode(),
            "short": b"T,ORG",
            "long": line(index).encode() + b",extra",
            "quote": f'T{index},ORG,"{CODES[0]},LATE,2024-01-01,1,A,B,'.encode(),
            "blank": b"",
            "bytes": line(index, name="\udcff").encode("utf-8", errors="surrogateescape"),
            "multi": line(index, addr='"a\nb"').encode(),
        }[kind]
        parts.append(text)
        if kind != "blank":
            row += 1
        if kind in ("good", "multi"):
            good.append(row)
        elif kind in ("short", "long"):
            bad[row] = ("wrong_field_count", at_line)
        elif kind == "quote":
            bad[row] = ("broken_quote", at_line)
        elif kind == "bytes":
            bad[row] = ("bad_encoding", at_line)
        at_line += 2 if kind == "multi" else 1
    root = tmp_path_factory.mktemp("mix")
    path = root / "tax.csv"
    path.write_bytes(b"\n".join(parts) + b"\n")
    ws = Workspace.init(root / "ws")
    report = ingest_file(ws, path, mapping())
    assert [n for n, _ in loaded(ws)] == good
    found = {n: (reason, detail) for n, reason, _, detail, _ in held(ws)}
    assert {n: reason for n, (reason, _) in found.items()} == {n: r for n, (r, _) in bad.items()}
    for number, (_, at) in bad.items():
        assert found[number][1].startswith(f"line {at}")
    assert report.rows_in == row
