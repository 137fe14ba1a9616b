"""Appeals end to end: filed by the subject, decided by the operator before the deadline; an
upheld appeal voids the record, rescores and delists; link disputes are remembered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_support import Served, copy_city, negative_line, serve


@pytest.fixture
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("appeals") / "ws")
    with serve(root) as s:
        yield s


def _runs(served: Served) -> int:
    return int(served.one("SELECT COUNT(*) FROM score_runs"))


def test_an_upheld_appeal_voids_the_record_rescores_and_delists(served: Served) -> None:
    org, record = served.query(
        "SELECT subject_code, any_value(record_id) FROM listings WHERE list_name = 'black' "
        "AND state = 'published' AND subject_kind = 'organization' GROUP BY subject_code "
        "HAVING COUNT(*) = 1 ORDER BY subject_code LIMIT 1"
    )[0]
    before = served.client.get(f"/organisations/{org}").json()
    assert [li["record_id"] for li in before["listings"]] == [record]
    public = served.client.get("/lists/black", params={"per_page": 500}).json()["items"]
    assert org in {i["subject_code"] for i in public}
    me, ops = served.key("subject", org), served.key("operator")
    filed = served.client.post(
        "/me/appeals", headers=me,
        json={"record_id": record, "reason": "the licence was restored on review",
              "against": "listing"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert appeal["state"] == "open" and appeal["list_name"] == "black"
    assert appeal["decide_by"] == str(CITY_DAY + timedelta(days=20))
    queue = served.client.get("/operator/appeals", headers=ops).json()
    assert appeal["appeal_id"] in [a["appeal_id"] for a in queue]
    decided = served.client.post(
        f"/operator/appeals/{appeal['appeal_id']}/decision", headers=ops,
        json={"decision": "uphold", "reason": "the court quashed the penalty"},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["appeal"]["state"] == "upheld" and decided.json()["rescored"]
    after = served.client.get(f"/organisations/{org}").json()
    assert after["listings"] == [] and after["score"] > before["score"]
    assert record not in {p["record_id"] for p in after["penalties"]}
    assert not any(m["via"] == "list:black" for m in after["measures"])
    public = served.client.get("/lists/black", params={"per_page": 500}).json()["items"]
    assert org not in {i["subject_code"] for i in public}
    full = served.client.get(
        "/operator/lists/black", headers=ops, params={"per_page": 500, "include_expired": True}
    ).json()["items"]
    assert [i["state"] for i in full if i["record_id"] == record] == ["revoked"]
    mine = served.client.get("/me", headers=me).json()
    assert record not in {line["record_id"] for line in mine["lines"]}
    assert [li["state"] for li in mine["listings"] if li["record_id"] == record] == ["revoked"]
    assert served.client.get("/me/appeals", headers=me).json()[0]["state"] == "upheld"
    again = served.client.post(
        "/me/appeals", headers=me, json={"record_id": record, "reason": "once more"}
    )
    assert again.status_code == 409 and "already voided" in again.json()["message"]


def test_a_rejected_appeal_changes_nothing(served: Served) -> None:
    org, record = negative_line(served, "organization")
    me, ops = served.key("subject", org), served.key("operator")
    before = served.client.get(f"/organisations/{org}").json()
    runs = _runs(served)
    filed = served.client.post(
        "/me/appeals", headers=me, json={"record_id": record, "reason": "I paid on time"}
    ).json()
    pending = served.client.post(
        "/me/appeals", headers=me, json={"record_id": record, "reason": "and again"}
    )
    assert pending.status_code == 409 and filed["appeal_id"] in pending.json()["message"]
    decision = {"decision": "reject", "reason": "the bureau's receipt shows the late filing"}
    path = f"/operator/appeals/{filed['appeal_id']}/decision"
    rejected = served.client.post(path, headers=ops, json=decision)
    assert rejected.status_code == 200 and rejected.json()["rescored"] is None
    assert rejected.json()["appeal"]["state"] == "rejected"
    assert _runs(served) == runs
    assert served.client.get(f"/organisations/{org}").json() == before
    twice = served.client.post(path, headers=ops, json=decision)
    assert twice.status_code == 409 and "already rejected" in twice.json()["message"]
    listing = served.client.post(
        "/me/appeals", headers=me,
        json={"record_id": record, "reason": "no listing here", "against": "listing"},
    )  # fmt: skip
    assert listing.status_code == 422 and "no black listing" in listing.json()["message"]


def test_past_the_deadline_a_decision_is_refused_and_settling_upholds(served: Served) -> None:
    org, record = negative_line(served, "organization", "l.severity = 'general'")
    me, ops = served.key("subject", org), served.key("operator")
    appeal = served.client.post(
        "/me/appeals", headers=me, json={"record_id": record, "reason": "not ours"}
    ).json()
    served.clock.day = CITY_DAY + timedelta(days=21)
    late = served.client.post(
        f"/operator/appeals/{appeal['appeal_id']}/decision", headers=ops,
        json={"decision": "reject", "reason": "too late to look"},
    )  # fmt: skip
    assert late.status_code == 409
    assert late.json()["details"] == {"deadline": str(CITY_DAY + timedelta(days=20))}
    assert served.client.get("/operator/dashboard", headers=ops).json()["appeals_overdue"] == 1
    settled = served.client.post("/operator/appeals/settle", headers=ops).json()
    assert [a["appeal_id"] for a in settled["upheld"]] == [appeal["appeal_id"]]
    assert settled["rescored"]["as_of"] == str(served.clock.day)
    voided = served.one(
        "SELECT bool_or(action = 'void') FROM record_overrides WHERE record_id = ?", [record]
    )
    assert voided is True
    assert record not in {line["record_id"] for line in served.client.get("/me", headers=me)
                          .json()["lines"]}  # fmt: skip


def test_an_appeal_comes_too_late_once_the_record_has_no_effect(served: Served) -> None:
    org, record = served.query(
        "SELECT subject_code, record_id FROM listings WHERE list_name = 'black' "
        "AND state = 'expired' AND subject_kind = 'organization' "
        "AND record_id NOT IN (SELECT record_id FROM score_lines) ORDER BY 1, 2 LIMIT 1"
    )[0]
    me = served.key("subject", org)
    late = served.client.post(
        "/me/appeals", headers=me, json={"record_id": record, "reason": "it was wrong"}
    )
    assert late.status_code == 409
    assert "stopped having any effect" in late.json()["message"]
    assert late.json()["details"]["closed_on"] <= str(CITY_DAY)
    other_org, other_record = negative_line(served, "organization", f"l.subject_code <> '{org}'")
    theirs = served.client.post(
        "/me/appeals", headers=me, json={"record_id": other_record, "reason": "not mine"}
    )
    assert theirs.status_code == 404 and other_org not in theirs.text


def test_a_wrong_link_is_unlinked_and_a_confirmed_one_remembered(served: Served) -> None:
    person, first, second_record = served.query(
        "SELECT l.subject_code, min(l.record_id), max(l.record_id) FROM score_lines l "
        "JOIN scores s USING (subject_kind, subject_code) WHERE l.subject_kind = 'person' "
        "AND l.points < 0 AND s.scored GROUP BY 1 HAVING COUNT(DISTINCT l.record_id) >= 2 "
        "ORDER BY 1 LIMIT 1"
    )[0]
    record = first
    me, ops = served.key("subject", person), served.key("operator")
    disputed = served.client.post(
        "/me/link-disputes", headers=me,
        json={"record_id": record, "reason": "this loan was taken by someone with my name"},
    )  # fmt: skip
    assert disputed.status_code == 201 and disputed.json()["kind"] == "link"
    upheld = served.client.post(
        f"/operator/appeals/{disputed.json()['appeal_id']}/decision", headers=ops,
        json={"decision": "uphold", "reason": "the lender matched the wrong person"},
    )  # fmt: skip
    assert upheld.json()["appeal"]["subject_code"].count("*") == 11  # masked to the operator
    lines = served.client.get("/me", headers=me).json()["lines"]
    assert record not in {line["record_id"] for line in lines}
    export = served.client.get("/me/export", headers=me).json()
    assert export["link_judgements"][0]["judgement"] == "not_theirs"
    assert second_record in {line["record_id"] for line in lines}
    second = served.client.post(
        "/me/link-disputes", headers=me, json={"record_id": second_record, "reason": "not mine"}
    ).json()
    served.client.post(
        f"/operator/appeals/{second['appeal_id']}/decision", headers=ops,
        json={"decision": "reject", "reason": "the identity number matches"},
    )  # fmt: skip
    again = served.client.post(
        "/me/link-disputes", headers=me, json={"record_id": second_record, "reason": "really"}
    )
    assert again.status_code == 409 and "theirs" in again.json()["message"]
    still = served.client.get("/me", headers=me).json()["lines"]
    assert second_record in {line["record_id"] for line in still}
