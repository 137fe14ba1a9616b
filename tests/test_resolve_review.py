"""The review queue: pairs shown side by side, decisions taken, remembered, and never undone
by a later run; a rejected pair is never linked again."""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from credence.cli import resolve_cmd
from credence.errors import CredenceError, NotFoundError
from credence.identifiers import generate_ric, mask
from credence.ingest.mapping import load_mapping
from credence.ingest.pipeline import ingest_file
from credence.resolve import review
from credence.resolve.judgements import accept_pair, active_link, link_provenance, refused_pairs
from credence.resolve.pipeline import load_configs, resolve_workspace
from credence.resolve.registry import RegistryError, load_registry
from credence.store import Workspace

SOURCE = "riverside-parking-office"
MAPPING = f"""
source: {SOURCE}
level: district
stream: administrative
category: admin_penalty
subject_kind: person
fields:
  record_key: ticket
  subject_code: id_card
  kind: {{value: traffic.violation.minor}}
  occurred_at: issued
  amount: fine
hints: {{name: driver, birth_date: born, district: district}}
kinds: [traffic.violation.minor]
"""
CONFIG = f"""
source: {SOURCE}
fields:
  - {{field: name, compare: name, right_also: former_names}}
  - {{field: birth_date, compare: date}}
  - {{field: district, compare: exact}}
blocking: [[birth_date], [name]]
"""
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰"


@dataclass(frozen=True)
class Parking:
    ws: Workspace
    codes: dict[str, str]  # who → code
    rows: dict[str, str]  # which row → record id


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def parking(tmp_path: Path) -> Parking:
    """40 people (two of them twins: same name, birth day, district), and four tickets: one of
    a known person without a code, one of a twin, one with a code, one of a stranger."""
    rng = random.Random(5)
    people = []
    for _n in range(40):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        people.append([generate_ric(rng, born), "person", name, born, "east"])
    twin = date(1990, 5, 17)
    people.append([generate_ric(rng, twin), "person", "李娜", twin, "north"])
    people.append([generate_ric(rng, twin), "person", "李娜", twin, "north"])
    _write_csv(tmp_path / "registry.csv", ["code", "kind", "name", "birth_date", "district"],
               people)  # fmt: skip
    known, coded = people[3], people[7]
    tickets = [
        ["T1", "", known[2], known[3].isoformat(), "east", "2026-01-05", 200],
        ["T2", "", "李娜", "1990-05-17", "north", "2026-01-06", 200],
        ["T3", coded[0], coded[2], coded[3].isoformat(), "east", "2026-01-07", 200],
        ["T4", "", "欧阳修", "1961-02-03", "west", "2026-01-08", 200],
    ]
    _write_csv(tmp_path / f"{SOURCE}.csv",
               ["ticket", "id_card", "driver", "born", "district", "issued", "fine"], tickets)
    (tmp_path / f"{SOURCE}.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / f"{SOURCE}.resolve.yaml").write_text(CONFIG, encoding="utf-8")
    ws = Workspace.init(tmp_path / "ws")
    ingest_file(ws, tmp_path / f"{SOURCE}.csv", load_mapping(tmp_path / f"{SOURCE}.yaml"))
    con = ws.connect()
    try:
        rows = con.execute("SELECT row_number, record_id FROM records").fetchall()
    finally:
        con.close()
    ids = {f"T{number}": record_id for number, record_id in rows}
    codes = {"known": known[0], "twin1": people[-2][0], "twin2": people[-1][0]}
    resolve_workspace(ws, load_configs([tmp_path / f"{SOURCE}.resolve.yaml"]),
                      tmp_path / "registry.csv")  # fmt: skip
    return Parking(ws, codes, ids)


def _app() -> typer.Typer:
    app = typer.Typer()
    resolve_cmd.register(app)
    return app


def test_resolution_links_queues_or_leaves(parking: Parking) -> None:
    con = parking.ws.connect()
    try:
        assert active_link(con, parking.rows["T1"]) == parking.codes["known"]
        assert active_link(con, parking.rows["T2"]) is None
        assert active_link(con, parking.rows["T4"]) is None
        pending = review.pending_pairs(con)
    finally:
        con.close()
    assert {p.subject_code for p in pending} == {parking.codes["twin1"], parking.codes["twin2"]}
    assert {p.record_id for p in pending} == {parking.rows["T2"]}
    assert all(0.4 < p.probability < 0.6 for p in pending)  # two equal candidates share the row
    assert pending[0].record["name"] == "李娜" and pending[0].subject["name"] == "李娜"


def test_review_lists_side_by_side_and_accepts(parking: Parking) -> None:
    runner = CliRunner()
    shown = runner.invoke(_app(), ["review", "-w", str(parking.ws.root)])
    assert shown.exit_code == 0, shown.output
    assert "the row says" in shown.output and "李娜" in shown.output
    assert mask(parking.codes["twin1"]) in shown.output
    assert parking.codes["twin1"] not in shown.output  # identity numbers are masked
    listed = json.loads(
        runner.invoke(_app(), ["review", "-w", str(parking.ws.root), "--format", "json"]).output
    )
    chosen = next(p for p in listed if p["subject_code"] == mask(parking.codes["twin2"]))
    done = runner.invoke(_app(), ["review", "-w", str(parking.ws.root), "--accept",
                                  chosen["pair_id"][:8], "--by", "clerk 7"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "accepted" in done.output
    con = parking.ws.connect()
    try:
        assert active_link(con, parking.rows["T2"]) == parking.codes["twin2"]
        link = link_provenance(con, [parking.rows["T2"]])[parking.rows["T2"]]["link"]
        assert (link["method"], link["decided_by"]) == ("review", "clerk 7")
        assert review.pending_pairs(con) == []
        linked = con.execute(
            "SELECT subject_code FROM records WHERE record_id = ?", [parking.rows["T2"]]
        ).fetchall()
        with pytest.raises(CredenceError, match="already accepted"):
            review.accept(con, chosen["pair_id"], "clerk 8")
    finally:
        con.close()
    assert linked == [(parking.codes["twin2"],)]
    again = resolve_workspace(parking.ws, retrain=True)  # the decision stands on a later run
    assert sum(s.review for s in again.sources) == 0
    con = parking.ws.connect()
    try:
        assert active_link(con, parking.rows["T2"]) == parking.codes["twin2"]
    finally:
        con.close()


def test_a_rejected_pair_is_never_linked_again(parking: Parking) -> None:
    con = parking.ws.connect()
    try:
        pair = link_provenance(con, [parking.rows["T1"]])[parking.rows["T1"]]["link"]["pair_id"]
        pending = review.pending_pairs(con)
        twin = next(p for p in pending if p.subject_code == parking.codes["twin1"])
    finally:
        con.close()
    runner = CliRunner()
    result = runner.invoke(_app(), ["review", "-w", str(parking.ws.root), "--reject", pair,
                                    "--reason", "another person"])  # fmt: skip
    assert result.exit_code == 0 and "rejected" in result.output
    result = runner.invoke(_app(), ["review", "-w", str(parking.ws.root), "--reject",
                                    twin.pair_id, "--list"])  # fmt: skip
    assert result.exit_code == 0 and "rejected" in result.output and "the row says" in result.output
    con = parking.ws.connect()
    try:
        assert active_link(con, parking.rows["T1"]) is None  # the automatic link is undone
        refused = refused_pairs(con)
        remaining = review.pending_pairs(con)
    finally:
        con.close()
    assert (parking.rows["T1"], parking.codes["known"]) in refused
    assert [p.subject_code for p in remaining] == [parking.codes["twin2"]]
    for _run in range(2):
        resolve_workspace(parking.ws, retrain=True)
        con = parking.ws.connect()
        try:
            assert active_link(con, parking.rows["T1"]) is None
            # with one twin ruled out, the other no longer has a rival
            assert active_link(con, parking.rows["T2"]) == parking.codes["twin2"]
            assert review.pending_pairs(con) == []
            with pytest.raises(CredenceError, match="never again"):
                accept_pair(con, parking.rows["T1"], "person", parking.codes["known"], 1.0, "x")
        finally:
            con.close()
    result = runner.invoke(_app(), ["review", "-w", str(parking.ws.root), "--accept", "zzzz9"])
    assert result.exit_code == 2


def test_appeal_judgements_are_honoured(parking: Parking) -> None:
    con = parking.ws.connect()
    try:
        con.execute(
            "CREATE TABLE IF NOT EXISTS link_judgements (record_id VARCHAR, subject_code VARCHAR,"
            " judgement VARCHAR, appeal_id VARCHAR, decided_by VARCHAR, decided_on DATE,"
            " decided_at TIMESTAMPTZ)"
        )
        con.execute("INSERT INTO link_judgements VALUES (?, ?, 'not_theirs', 'A1', 'board', "
                    "current_date, now())", [parking.rows["T4"], parking.codes["known"]])
        assert (parking.rows["T4"], parking.codes["known"]) in refused_pairs(con)
        with pytest.raises(NotFoundError):
            review.find_pair(con, "ffffffff")
        with pytest.raises(CredenceError, match="at least four"):
            review.find_pair(con, "ab")
    finally:
        con.close()


def test_a_registry_with_bad_codes_is_refused(tmp_path: Path) -> None:
    _write_csv(tmp_path / "bad.csv", ["code", "kind", "name"],
               [["110101199003070011", "person", "王伟"], ["110101199003070012", "person", "李四"],
                ["X", "robot", "R2"], ["110101199003070011", "person", "王伟"]])  # fmt: skip
    ws = Workspace.init(tmp_path / "ws")
    con = ws.connect()
    try:
        with pytest.raises(RegistryError) as caught:
            load_registry(con, tmp_path / "bad.csv")
        assert con.execute("SELECT count(*) FROM subject_registry").fetchall() == [(0,)]
    finally:
        con.close()
    problems = [str(p) for p in caught.value.problems]
    assert any("row 2" in p and "not valid" in p for p in problems)
    assert any("row 3" in p and "unknown subject kind" in p for p in problems)
    assert any("row 4" in p and "appears twice" in p for p in problems)
    rng = random.Random(2)
    good = [[generate_ric(rng, date(1990, 3, 7)), "person", "王伟", "1990/3/7", "旧名|曾用名"],
            [generate_ric(rng, date(1985, 1, 2)), "person", "李四", "", ""]]  # fmt: skip
    _write_csv(tmp_path / "good.csv", ["code", "kind", "name", "birth_date", "former_names"], good)
    _write_csv(tmp_path / "undated.csv", ["code", "kind", "name", "birth_date"],
               [[*good[0][:3], "last spring"]])  # fmt: skip
    con = ws.connect()
    try:
        assert load_registry(con, tmp_path / "good.csv") == 2
        stored = con.execute("SELECT name, birth_date, former_names FROM subject_registry "
                             "ORDER BY name").fetchall()  # fmt: skip
        with pytest.raises(RegistryError, match="is not loaded") as caught:
            load_registry(con, tmp_path / "undated.csv")
        assert "'last spring' is not a date" in str(caught.value)
        con.execute("DELETE FROM subject_registry")
    finally:
        con.close()
    assert stored == [("李四", None, None), ("王伟", date(1990, 3, 7), ["旧名", "曾用名"])]
    with pytest.raises(CredenceError, match="no resolve config"):
        resolve_workspace(ws)
    (tmp_path / "a.resolve.yaml").write_text(CONFIG, encoding="utf-8")
    with pytest.raises(CredenceError, match="registry is empty"):
        resolve_workspace(ws, load_configs([tmp_path / "a.resolve.yaml"]))
