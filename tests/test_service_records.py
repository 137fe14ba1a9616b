"""New records from an operator: one row of a registered source through the ordinary ingest,
the subject rescored at once; a bad row goes to quarantine and the answer says why."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from credence.identifiers import generate_uscc
from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_support import Served, copy_city, serve

SOURCE = "donghu-market-regulator"


@pytest.fixture
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("records") / "ws")
    with serve(root) as s:
        yield s


def _row(code: str, number: int, kind: str = "吊销许可证") -> dict[str, Any]:
    day = CITY_DAY - timedelta(days=30)
    return {
        "decision_no": f"东市监罚〔2026〕{number}号", "credit_code": code,
        "party_name": "测试商贸有限公司", "reg_address": "澜城市东湖区解放路1号",
        "penalty_type": kind, "decision_date": day.strftime("%Y/%m/%d"), "fine_cny": 50000,
        "data_category": "admin_penalty",
    }  # fmt: skip


def test_the_columns_of_each_source_are_listed(served: Served) -> None:
    found = served.client.get("/operator/sources", headers=served.key("operator")).json()
    donghu = next(s for s in found if s["source"] == SOURCE)
    assert {"decision_no", "credit_code", "penalty_type", "decision_date"} <= set(donghu["columns"])
    assert "market.penalty.serious" in donghu["kinds"]


def test_a_new_record_rescores_its_subject_at_once(served: Served) -> None:
    org = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' AND subject_code "
        "NOT IN (SELECT subject_code FROM listings WHERE list_name = 'black') "
        "ORDER BY subject_code LIMIT 1"
    )
    ops = served.key("operator")
    before = served.client.get(f"/organisations/{org}").json()
    added = served.client.post(
        "/operator/records", headers=ops, json={"source": SOURCE, "row": _row(org, 9001)}
    )
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["loaded"] == 1 and body["rescored_run"] and body["subject_code"] == org
    assert body["standing"]["lists"] == ["black"]
    after = served.client.get(f"/organisations/{org}").json()
    assert after["score"] == before["score"] - 100
    assert [li["requirement_id"] for li in after["listings"]] == ["MKT-SERIOUS"]
    assert {p["requirement_id"] for p in after["penalties"]} >= {"MKT-SERIOUS"}
    public = served.client.get("/lists/black", params={"per_page": 500}).json()["items"]
    assert org in {i["subject_code"] for i in public}
    again = served.client.post(
        "/operator/records", headers=ops, json={"source": SOURCE, "row": _row(org, 9001)}
    )
    assert again.status_code == 200 and again.json()["loaded"] == 0
    assert again.json()["rescored_run"] is None
    trail = served.client.get(
        "/auditor/audit", headers=served.key("auditor"), params={"subject": org}
    ).json()
    assert {"record.added", "subjects.rescored"} <= {e["action"] for e in trail}


def test_a_bad_row_goes_to_quarantine_with_its_reason(served: Served) -> None:
    ops = served.key("operator")
    good = generate_uscc(random.Random(5))
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    refused = served.client.post(
        "/operator/records", headers=ops, json={"source": SOURCE, "row": _row(bad, 9002)}
    )
    assert refused.status_code == 422
    assert "quarantine: bad_check_digit" in refused.json()["message"]
    assert refused.json()["details"]["quarantine"][0]["reason"] == "bad_check_digit"
    held = served.client.get(
        "/operator/quarantine", headers=ops, params={"source": SOURCE, "limit": 1000}
    ).json()
    assert any(bad in (q["raw"] or "") and q["reason"] == "bad_check_digit" for q in held)
    unknown_kind = served.client.post(
        "/operator/records", headers=ops,
        json={"source": SOURCE, "row": _row(good, 9003, kind="赞美")},
    )  # fmt: skip
    assert unknown_kind.status_code == 422 and "unknown_kind" in unknown_kind.json()["message"]
    missing = served.client.post(
        "/operator/records", headers=ops, json={"source": SOURCE, "row": {"credit_code": good}}
    )
    assert missing.status_code == 422 and "quarantine" in missing.json()["message"]


def test_only_operators_add_records(served: Served) -> None:
    org = served.one("SELECT subject_code FROM scores WHERE subject_kind = 'organization' LIMIT 1")
    body = {"source": SOURCE, "row": _row(org, 9004)}
    assert served.client.post("/operator/records", json=body).status_code == 401
    me = served.key("subject", org)
    assert served.client.post("/operator/records", headers=me, json=body).status_code == 403
    assert (
        served.one("SELECT COUNT(*) FROM records WHERE hints ->> '$.name' = '测试商贸有限公司'")
        == 0
    )
