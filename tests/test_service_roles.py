"""Per role, what each may and may not see: public, subject, relying party, operator, auditor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from credence.identifiers import mask
from credence.rules.loader import default_ruleset_path, load_ruleset
from credence.runs.subject_file import subject_file
from tests.conftest import CITY_DAY, ScoredCity
from tests.test_service_support import Served, copy_city, serve


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("roles") / "ws")
    with serve(root) as s:
        yield s


def _people(served: Served) -> list[str]:
    return [str(c) for (c,) in served.query("SELECT subject_code FROM subjects "
                                            "WHERE subject_kind = 'person'")]  # fmt: skip


def _no_person_in(text: str, people: list[str]) -> None:
    for code in people:
        assert code not in text and mask(code) not in text


def test_the_public_sees_organisations_and_never_a_person(served: Served) -> None:
    people = _people(served)
    org = served.one(
        "SELECT subject_code FROM listings WHERE list_name = 'black' AND state = 'published' "
        "AND subject_kind = 'organization' ORDER BY subject_code LIMIT 1"
    )
    page = served.client.get(f"/organisations/{org}")
    assert page.status_code == 200
    body = page.json()
    assert body["grade"] is not None and body["name"]
    assert [li["state"] for li in body["listings"]] == ["published"] * len(body["listings"])
    assert any(m["effect"].get("may_bid_public_tenders") is False for m in body["measures"])
    assert all(p["category"] in ("admin_penalty", "court_judgment") for p in body["penalties"])
    # the black list has published people on it, but the public list shows only organisations
    assert served.one(
        "SELECT COUNT(*) FROM listings WHERE subject_kind = 'person' AND state = 'published'"
    )
    for name in ("black", "red"):
        listing = served.client.get(f"/lists/{name}", params={"per_page": 500})
        assert listing.status_code == 200
        items = listing.json()["items"]
        assert items and {i["subject_kind"] for i in items} == {"organization"}
        assert {i["state"] for i in items} == {"published"}
        _no_person_in(listing.text, people)
        csv_text = served.client.get(f"/lists/{name}", params={"format": "csv"}).text
        assert csv_text.startswith("list_name,subject_kind,subject_code")
        _no_person_in(csv_text, people)
    # a person's name finds nothing, and a person's code is refused as no organisation
    person = people[0]
    name = served.one(
        "SELECT hints ->> '$.name' FROM records WHERE subject_code = ? "
        "AND hints ->> '$.name' IS NOT NULL LIMIT 1",
        [person],
    )
    found = served.client.get("/organisations", params={"q": name})
    assert found.status_code == 200 and found.json()["items"] == []
    refused = served.client.get(f"/organisations/{person}")
    assert refused.status_code == 422 and "organization" in refused.json()["message"]
    _no_person_in(refused.text, people)


def test_search_finds_organisations_by_name_and_code(served: Served) -> None:
    code, name = served.query(
        "SELECT subject_code, hints ->> '$.name' FROM records WHERE subject_kind = "
        "'organization' AND hints ->> '$.name' IS NOT NULL ORDER BY subject_code LIMIT 1"
    )[0]
    by_name = served.client.get("/organisations", params={"q": name[-6:]}).json()
    assert code in [i["subject_code"] for i in by_name["items"]]
    by_code = served.client.get("/organisations", params={"q": code[:12], "limit": 5}).json()
    assert by_code["items"][0]["subject_code"].startswith(code[:12])


def test_a_subject_sees_only_their_own_file_in_full(served: Served) -> None:
    person = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND scored "
        "ORDER BY subject_code LIMIT 1"
    )
    other = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND subject_code <> ? "
        "ORDER BY subject_code LIMIT 1",
        [person],
    )
    headers = served.key("subject", person)
    mine = served.client.get("/me", headers=headers)
    assert mine.status_code == 200
    assert mine.json()["subject_code"] == person  # in full, to the subject themself
    with served.client.app.state.service.db.read() as con:  # type: ignore[attr-defined]
        cli = subject_file(con, person, load_ruleset(default_ruleset_path()), CITY_DAY)
    assert mine.json() == json.loads(
        json.dumps(cli.to_dict())
    )  # what `credence explain --json` gives
    assert other not in mine.text
    for path in (f"/relying/subjects/{other}", f"/operator/subjects/{other}", "/auditor/audit",
                 "/operator/dashboard"):  # fmt: skip
        answer = served.client.get(path, headers=headers)
        assert answer.status_code == 403, path
        assert "subject" in answer.json()["message"]
    assert served.client.get("/me").status_code == 401
    assert served.client.get("/me", headers={"X-API-Key": "crd_nope"}).status_code == 401


def test_a_relying_party_states_a_purpose_and_needs_consent(served: Served) -> None:
    consenting = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND scored "
        "ORDER BY subject_code DESC LIMIT 1"
    )
    unscored = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND NOT scored "
        "ORDER BY subject_code LIMIT 1"
    )
    bank = served.key("relying_party", label="Lancheng Bank")
    path = f"/relying/subjects/{consenting}"
    missing = served.client.get(path, headers=bank)
    assert missing.status_code == 422 and "X-Purpose" in missing.json()["message"]
    unknown = served.client.get(path, headers={**bank, "X-Purpose": "marketing"})
    assert unknown.status_code == 422 and "credit_assessment" in unknown.json()["message"]
    scored_only = served.client.get(path, headers={**bank, "X-Purpose": "credit_assessment"})
    assert scored_only.status_code == 403  # consent to be scored is not consent to disclosure
    me = served.key("subject", consenting)
    assert served.client.put("/me/disclosures/credit_assessment", headers=me).status_code == 200
    ok = served.client.get(path, headers={**bank, "X-Purpose": "credit_assessment"})
    assert ok.status_code == 200
    assert ok.json()["subject_code"] == mask(consenting) and consenting not in ok.text
    refused = served.client.get(
        f"/relying/subjects/{unscored}", headers={**bank, "X-Purpose": "credit_assessment"}
    )
    assert refused.status_code == 403 and "consent" in refused.json()["message"]
    limited = served.key("relying_party", purposes=["tender_eligibility"])
    narrow = served.client.get(path, headers={**limited, "X-Purpose": "credit_assessment"})
    assert narrow.status_code == 403 and "tender_eligibility" in narrow.json()["message"]
    # the person sees who looked, why, and that the refused look was refused
    looked = served.client.get("/me/who-looked", headers=served.key("subject", consenting)).json()
    assert any(
        e["who"].startswith("Lancheng Bank") and e["purpose"] == "credit_assessment"
        and e["action"] == "file.read" for e in looked
    )  # fmt: skip
    refused_trail = served.client.get(
        "/me/who-looked", headers=served.key("subject", unscored)
    ).json()
    assert [e["action"] for e in refused_trail if e["role"] == "relying_party"] == [
        "file.read.refused"
    ]


def test_may_this_firm_bid_for_a_tender(served: Served) -> None:
    listed = served.one(
        "SELECT subject_code FROM listings WHERE list_name = 'black' AND state = 'published' "
        "AND subject_kind = 'organization' ORDER BY subject_code LIMIT 1"
    )
    clean = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'organization' AND subject_code "
        "NOT IN (SELECT subject_code FROM listings WHERE list_name = 'black' "
        "AND state = 'published') ORDER BY subject_code LIMIT 1"
    )
    office = served.key("relying_party", purposes=["tender_eligibility"])
    headers = {**office, "X-Purpose": "tender_eligibility"}
    no = served.client.get(f"/relying/subjects/{listed}/measures", headers=headers).json()
    assert no["answers"][0] == {
        "effect": "may_bid_public_tenders", "value": False,
        "measures": ["procurement-exclusion"], "legal_basis": ["Government Procurement Law"],
    }  # fmt: skip
    assert no["summary"].startswith("may not bid for public tenders")
    yes = served.client.get(f"/relying/subjects/{clean}/measures", headers=headers).json()
    assert yes["answers"][0]["value"] is True and yes["answers"][0]["measures"] == []
    public = served.client.get(f"/organisations/{listed}/measures").json()
    assert public["answers"] == no["answers"]
    rate = served.client.get(
        f"/organisations/{listed}/measures", params={"purpose": "regulatory_inspection"}
    ).json()
    assert rate["answers"][0]["value"] == 0.98


def test_operators_and_auditors_keep_to_their_scopes(served: Served) -> None:
    person = served.one(
        "SELECT subject_code FROM scores WHERE subject_kind = 'person' AND scored "
        "ORDER BY subject_code LIMIT 1 OFFSET 3"
    )
    ops, auditor = served.key("operator"), served.key("auditor")
    file = served.client.get(f"/operator/subjects/{person}", headers=ops)
    assert file.status_code == 200 and file.json()["subject_code"] == mask(person)
    full = served.client.get("/operator/lists/black", headers=ops, params={"per_page": 500})
    people = [i for i in full.json()["items"] if i["subject_kind"] == "person"]
    assert people and all("*" in i["subject_code"] and i["name"] is None for i in people)
    assert served.client.get("/auditor/audit", headers=ops).status_code == 403
    assert served.client.get("/operator/dashboard", headers=auditor).status_code == 403
    assert served.client.get("/operator/dashboard").status_code == 401
    log = served.client.get("/auditor/audit", headers=auditor, params={"subject": person})
    entries = log.json()
    assert entries and {e["subject_code"] for e in entries} == {mask(person)}
    assert person not in log.text
    assert entries[0]["action"] == "file.read" and entries[0]["purpose"] == "operations"


def test_purposes_are_credit_and_compliance_only(tmp_path: Path, served: Served) -> None:
    listed = served.client.get("/purposes").json()
    assert {p["family"] for p in listed} <= {"credit", "compliance"}
    assert [p["purpose"] for p in listed] == [
        "credit_assessment", "tender_eligibility", "lease_assessment", "regulatory_inspection"
    ]  # fmt: skip
    from credence.errors import CredenceError
    from credence.service import create_app

    with pytest.raises(CredenceError, match="only credit and compliance"):
        create_app(served.root, purposes=["credit_assessment", "employment_screening"])
