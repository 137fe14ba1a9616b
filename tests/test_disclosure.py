"""Disclosure limited to the purpose: a relying party sees what its stated purpose discloses and
nothing more, a person's file only under their consent to disclosure for that purpose (apart
from consent to be scored, withdrawable, shown in the portal), and an unknown person is answered
exactly as one who did not consent, both audited."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from credence.identifiers import generate_ric, mask
from credence.service.purposes import DISCLOSES
from credence.web.mount import mount_web
from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, serve

FORBIDDEN_KEYS = {"consents", "rating_points", "note", "known", "scored", "ruleset", "version"}


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("disclosure") / "ws")
    with serve(root) as s:
        yield s


def _person(served: Served, offset: int) -> str:
    return str(
        served.one(
            "SELECT s.subject_code FROM scores s WHERE s.subject_kind = 'person' AND s.scored "
            "AND EXISTS (SELECT 1 FROM score_lines l WHERE l.subject_code = s.subject_code) "
            "ORDER BY s.subject_code LIMIT 1 OFFSET ?",
            [offset],
        )
    )


def test_each_purpose_discloses_its_parts_and_nothing_more(served: Served) -> None:
    person = _person(served, 3)
    me = served.key("subject", person)
    for purpose in ("credit_assessment", "tender_eligibility", "lease_assessment"):
        assert served.client.put(f"/me/disclosures/{purpose}", headers=me).status_code == 200
    bank = served.key("relying_party", label="Bank")
    full = served.client.get(
        f"/relying/subjects/{person}", headers={**bank, "X-Purpose": "credit_assessment"}
    ).json()
    assert full["disclosed"] == list(DISCLOSES["credit_assessment"])
    assert full["lines"] and full["score"] is not None and full["name"] is None
    assert not FORBIDDEN_KEYS & set(full) and person not in str(full)
    assert full["subject_code"] == mask(person)
    tender = served.client.get(
        f"/relying/subjects/{person}", headers={**bank, "X-Purpose": "tender_eligibility"}
    ).json()
    assert tender["disclosed"] == ["measures"]
    assert (tender["score"], tender["grade"], tender["lines"], tender["listings"], tender["name"]) \
        == (None, None, None, None, None)  # fmt: skip
    assert isinstance(tender["measures"], list)
    lease = served.client.get(
        f"/relying/subjects/{person}", headers={**bank, "X-Purpose": "lease_assessment"}
    ).json()
    assert lease["grade"] == full["grade"] and lease["score"] is None and lease["lines"] is None
    measures = served.client.get(
        f"/relying/subjects/{person}/measures", headers={**bank, "X-Purpose": "tender_eligibility"}
    ).json()
    assert measures["grade"] is None


def test_consent_to_be_scored_is_not_consent_to_disclosure_and_can_be_withdrawn(
    served: Served,
) -> None:
    person = _person(served, 5)
    me = served.key("subject", person)
    bank = {**served.key("relying_party", label="Bank"), "X-Purpose": "credit_assessment"}
    path = f"/relying/subjects/{person}"
    assert served.client.get(path, headers=bank).status_code == 403
    shown = served.client.get("/me/disclosures", headers=me).json()
    credit = next(d for d in shown if d["purpose"] == "credit_assessment")
    assert credit["in_force"] is False and credit["discloses"] == list(
        DISCLOSES["credit_assessment"]
    )
    assert served.client.put("/me/disclosures/credit_assessment", headers=me).status_code == 200
    assert served.client.get(path, headers=bank).status_code == 200
    withdrawn = served.client.delete("/me/disclosures/credit_assessment", headers=me).json()
    gone = next(d for d in withdrawn if d["purpose"] == "credit_assessment")
    assert gone["in_force"] is False and gone["withdrawn_at"] is not None
    assert served.client.get(path, headers=bank).status_code == 403
    refused = served.client.put("/me/disclosures/marketing", headers=me)
    assert refused.status_code == 422 and "purpose" in refused.json()["message"]
    trail = served.client.get("/auditor/audit", headers=served.key("auditor"),
                              params={"subject": person}).json()  # fmt: skip
    actions = [e["action"] for e in trail]
    assert {"disclosure.granted", "disclosure.withdrawn", "file.read", "file.read.refused"} \
        <= set(actions)  # fmt: skip


def test_an_unknown_person_is_answered_as_one_who_did_not_consent(served: Served) -> None:
    known = _person(served, 7)
    held = {str(c) for (c,) in served.query("SELECT subject_code FROM subjects")}
    rng = random.Random(3)
    unknown = next(c for c in (generate_ric(rng) for _ in range(100)) if c not in held)
    bank = {**served.key("relying_party", label="Bank"), "X-Purpose": "credit_assessment"}
    answers = [served.client.get(f"/relying/subjects/{c}", headers=bank) for c in (known, unknown)]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].json() == answers[1].json()
    auditor = served.key("auditor")
    for code in (known, unknown):
        trail = served.client.get("/auditor/audit", headers=auditor, params={"subject": code})
        assert "file.read.refused" in [e["action"] for e in trail.json()], code


def test_the_portal_shows_who_may_see_the_file(served: Served) -> None:
    person = _person(served, 9)
    me = served.key("subject", person)
    assert served.client.put("/me/disclosures/lease_assessment", headers=me).status_code == 200
    mount_web(served.client.app)  # type: ignore[arg-type]
    page = served.client.get("/portal", headers=me)
    assert page.status_code == 200, page.text[:300]
    assert "Who may see your file" in page.text
    section = page.text.split("Who may see your file", 1)[1].split("</table>", 1)[0]
    assert "lease_assessment" in section and "given on" in section
    assert "credit_assessment" in section and "not given" in section
