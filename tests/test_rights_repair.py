"""Credit repair end to end, the path forward, and subject access (the whole file as JSON)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from credence.rights.disclosure import grant
from credence.rules.duration import REPAIR_AFTER
from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_support import Served, copy_city, serve


@pytest.fixture
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("repair") / "ws")
    with serve(root) as s:
        yield s


def _recent_general_line(served: Served) -> tuple[str, str, date]:
    """A scored person's general-tier line too recent to repair on the city's day."""
    earliest = CITY_DAY - timedelta(days=80)
    code, record, occurred = served.query(
        "SELECT l.subject_code, l.record_id, l.occurred_at FROM score_lines l JOIN scores s "
        "USING (subject_kind, subject_code) WHERE l.subject_kind = 'person' AND s.scored "
        "AND l.points < 0 AND l.counted AND l.severity = 'general' AND l.occurred_at > ? "
        "ORDER BY 1, 2 LIMIT 1",
        [earliest],
    )[0]
    return str(code), str(record), occurred


def test_repair_is_refused_too_early_then_approved_and_the_line_ends(served: Served) -> None:
    person, record, occurred = _recent_general_line(served)
    me, ops = served.key("subject", person), served.key("operator")
    possible = REPAIR_AFTER["general"].add_to(occurred)
    assert possible > CITY_DAY
    early = served.client.post(
        "/me/repairs", headers=me, json={"record_id": record, "evidence": "paid in full"}
    )
    assert early.status_code == 409
    assert early.json()["details"] == {"possible_from": str(possible)}
    assert f"possible from {possible}" in early.json()["message"]
    served.clock.day = possible
    filed = served.client.post(
        "/me/repairs", headers=me,
        json={"record_id": record, "evidence": "bank transfer 2026-07-02, receipt no. 88"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    repair = filed.json()
    assert repair["severity"] == "general" and repair["possible_from"] == str(possible)
    ahead = served.client.get("/me/path-forward", headers=me).json()
    assert [e["repair_open"] for e in ahead["expiring"] if e["record_id"] == record] == [True]
    queue = served.client.get("/operator/repairs", headers=ops).json()
    assert [r["repair_id"] for r in queue] == [repair["repair_id"]]
    approved = served.client.post(
        f"/operator/repairs/{repair['repair_id']}/decision", headers=ops,
        json={"decision": "approve", "reason": "receipt checked with the bank"},
    )  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert approved.json()["rescored"]["as_of"] == str(possible)
    now = served.client.get("/me", headers=me).json()
    assert now["as_of"] == str(possible)
    assert record not in {line["record_id"] for line in now["lines"]}
    before = served.client.get(
        "/me", headers=me, params={"as_of": str(possible - timedelta(days=1))}
    ).json()
    assert record in {line["record_id"] for line in before["lines"]}
    assert served.one("SELECT max(effective_on) FROM record_overrides WHERE record_id = ?",
                      [record]) == possible  # fmt: skip
    again = served.client.post(
        "/me/repairs", headers=me, json={"record_id": record, "evidence": "once more"}
    )
    assert again.status_code == 409 and "already repaired" in again.json()["message"]


def test_a_rejected_repair_leaves_the_line(served: Served) -> None:
    person, record, occurred = _recent_general_line(served)
    served.clock.day = REPAIR_AFTER["general"].add_to(occurred)
    me, ops = served.key("subject", person), served.key("operator")
    empty = served.client.post("/me/repairs", headers=me, json={"record_id": record,
                                                                 "evidence": ""})  # fmt: skip
    assert empty.status_code == 422 and "evidence" in empty.json()["message"]
    repair = served.client.post(
        "/me/repairs", headers=me, json={"record_id": record, "evidence": "a letter"}
    ).json()
    runs = served.one("SELECT COUNT(*) FROM score_runs")
    rejected = served.client.post(
        f"/operator/repairs/{repair['repair_id']}/decision", headers=ops,
        json={"decision": "reject", "reason": "the letter does not show payment"},
    )  # fmt: skip
    assert rejected.json()["repair"]["state"] == "rejected" and rejected.json()["rescored"] is None
    assert served.one("SELECT COUNT(*) FROM score_runs") == runs
    assert served.one("SELECT COUNT(*) FROM record_overrides WHERE record_id = ?", [record]) == 0


def test_a_record_without_a_penalty_cannot_be_repaired(served: Served) -> None:
    person, record = served.query(
        "SELECT subject_code, record_id FROM score_lines WHERE subject_kind = 'person' "
        "AND points > 0 ORDER BY 1, 2 LIMIT 1"
    )[0]
    answer = served.client.post(
        "/me/repairs", headers=served.key("subject", person),
        json={"record_id": record, "evidence": "volunteering is not a penalty"},
    )  # fmt: skip
    assert answer.status_code == 409 and "no penalty" in answer.json()["message"]


def test_the_path_forward_names_expiries_repairs_and_the_next_band(served: Served) -> None:
    person = served.one(
        "SELECT l.subject_code FROM score_lines l JOIN scores s USING (subject_kind, "
        "subject_code) WHERE l.subject_kind = 'person' AND s.scored AND l.points < 0 "
        "AND s.grade <> 'AAA' GROUP BY 1 ORDER BY COUNT(*) DESC, 1 LIMIT 1"
    )
    me = served.key("subject", person)
    file = served.client.get("/me", headers=me).json()
    ahead = served.client.get("/me/path-forward", headers=me).json()
    negatives = [line for line in file["lines"] if line["points"] < 0]
    assert len(ahead["expiring"]) == len(negatives) >= 1
    ends = [e["expires_on"] for e in ahead["expiring"]]
    assert ends == sorted(ends)
    for entry in ahead["expiring"]:
        tier = entry["severity"] or "serious"
        assert entry["repair_possible_from"] == str(
            REPAIR_AFTER[tier].add_to(date.fromisoformat(entry["occurred_at"]))
        )
    assert ahead["repairable_now"] == [
        e["record_id"] for e in ahead["expiring"] if e["repair_possible_from"] <= str(CITY_DAY)
    ]
    step = ahead["next_grade"]
    assert step["points_needed"] == step["min"] - file["score"] > 0
    days = [p["on"] for p in ahead["projection"]]
    assert days == sorted(set(days)) and days[0] > str(CITY_DAY)
    last = ahead["projection"][-1]
    assert last["score"] >= file["score"]
    reached = [p["on"] for p in ahead["projection"] if p["score"] >= step["min"]]
    assert step["reached_on"] == (reached[0] if reached else None)


def test_subject_access_exports_the_whole_file_and_is_audited(served: Served) -> None:
    person = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND scored "
        "ORDER BY subject_code LIMIT 1 OFFSET 7"
    )
    me = served.key("subject", person)
    bank = {**served.key("relying_party", label="Bank"), "X-Purpose": "credit_assessment"}
    with served.client.app.state.service.db.write() as con:  # type: ignore[attr-defined]
        grant(con, person, "credit_assessment")  # given before (not part of this file's story)
    served.client.get(f"/relying/subjects/{person}", headers=bank)
    export = served.client.get("/me/export", headers=me)
    assert export.status_code == 200
    data = export.json()
    assert data["subject"]["subject_code"] == person
    held = served.one("SELECT COUNT(*) FROM records WHERE subject_code = ?", [person])
    assert len(data["records"]) == held > 0
    assert {r["subject_code"] for r in data["records"]} == {person}
    mine = served.client.get("/me", headers=me).json()
    assert data["explanation"]["score"] == mine["score"]
    assert [line["record_id"] for line in data["explanation"]["lines"]] == [
        line["record_id"] for line in mine["lines"]
    ]
    assert [(e["role"], e["purpose"]) for e in data["who_looked"]] == [
        ("relying_party", "credit_assessment")
    ]
    trail = served.client.get("/me/who-looked", headers=me).json()
    assert "file.export" in [e["action"] for e in trail]
