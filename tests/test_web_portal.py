"""The subject portal: needs the subject's own key, shows only their file (the same data and the
same audit entry as ``GET /me``), files appeals through a form, and says who looked."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, negative_line
from tests.test_web_support import (
    login_token,
    page_token,
    secret_of,
    serve_web,
    sign_in,
    text_of,
)

_TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("web-portal") / "ws")
    with serve_web(root) as s:
        yield s


@pytest.fixture
def person(served: Served) -> Iterator[tuple[str, str, str]]:
    """(code, record id of a counted negative line, the person's key), signed in; out after."""
    code, record = negative_line(served, "person")
    secret = secret_of(served, "subject", code)
    served.client.cookies.clear()
    sign_in(served, secret)
    yield code, record, secret
    served.client.cookies.clear()


def _last_audit(served: Served) -> tuple[str, str, str, str, str]:
    row = served.query(
        "SELECT actor, role, purpose, action, subject_code FROM audit_log ORDER BY seq DESC LIMIT 1"
    )[0]
    return tuple(str(v) for v in row)  # type: ignore[return-value]


def test_the_portal_needs_a_key_of_the_subject_role(served: Served) -> None:
    served.client.cookies.clear()
    for path in ("/portal", "/portal/appeals", "/portal/who-looked", "/portal/path-forward"):
        answer = served.client.get(path)
        assert answer.status_code == 401, path
        assert 'action="/login"' in answer.text and "subject role" in text_of(answer.text)
    assert served.client.get("/portal.json").status_code == 401
    assert served.client.get("/portal.json").json()["error"] == "unauthenticated"
    forged = {"key": "crd_k0_forged", "token": login_token(served)}
    refused = served.client.post("/login", data=forged)
    assert refused.status_code == 401 and "unknown or revoked key" in text_of(refused.text)
    assert "credence_session" not in refused.headers.get("set-cookie", "")
    empty = served.client.post("/login", data={"key": "  ", "token": login_token(served)})
    assert empty.status_code == 422 and "enter your key" in empty.text
    operator = secret_of(served, "operator")
    assert served.client.get("/portal", headers={"X-API-Key": operator}).status_code == 403
    bank = secret_of(served, "relying_party")
    data = {"key": bank, "token": login_token(served)}
    no_pages = served.client.post("/login", data=data, follow_redirects=False)
    assert no_pages.status_code == 403 and "use it with the API" in text_of(no_pages.text)
    assert "credence_session" not in no_pages.headers.get("set-cookie", "")


def test_signing_in_sets_an_httponly_cookie_and_out_clears_it(
    served: Served, person: tuple[str, str, str]
) -> None:
    served.client.cookies.clear()
    data = {"key": person[2], "token": login_token(served)}
    answer = served.client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/portal"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "credence_session=" in c)
    assert "HttpOnly" in cookie and "Secure" in cookie and "Max-Age=28800" in cookie
    assert "SameSite=strict" in cookie and "Path=/" in cookie
    assert person[2] not in cookie  # the key never goes into a cookie
    assert served.client.get("/portal").status_code == 200
    out = served.client.post("/logout", data={"token": page_token(served)}, follow_redirects=False)
    assert out.status_code == 303 and 'credence_session=""' in out.headers["set-cookie"]
    assert served.client.get("/portal").status_code == 401


def test_the_portal_shows_the_file_of_its_twin_and_the_api(
    served: Served, person: tuple[str, str, str]
) -> None:
    code, _, secret = person
    answer = served.client.get("/portal")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    twin = served.client.get("/portal.json")
    assert twin.headers["cache-control"] == "no-store"
    data = twin.json()
    api = served.client.get("/me", headers={"X-API-Key": secret}).json()
    assert data == api
    text = text_of(answer.text)
    assert data["subject_code"] == code and code in text  # their own number, in full
    assert f"Grade {data['grade']} score {data['score']}" in text
    assert data["lines"]
    for line in data["lines"]:
        assert line["record_id"] in text and line["legal_basis"] in text
        assert (line["expires_on"] or "—") in text
        if line["points"] < 0:
            assert f'href="/portal/appeals?record_id={line["record_id"]}"' in answer.text
    other, other_record = negative_line(served, "person", f"l.subject_code <> '{code}'")
    assert other not in answer.text and other_record not in answer.text


def test_a_page_read_is_audited_as_the_api_read_is(
    served: Served, person: tuple[str, str, str]
) -> None:
    code, _, secret = person
    served.client.get("/me", headers={"X-API-Key": secret})
    by_api = _last_audit(served)
    served.client.get("/portal")
    by_page = _last_audit(served)
    assert by_page == by_api
    actor, role, purpose, action, subject = by_page
    assert (role, purpose, action, subject) == ("subject", "own_file", "file.read", code)
    assert secret.startswith(f"crd_{actor}_")
    before = served.one("SELECT COUNT(*) FROM audit_log")
    served.client.get("/portal/appeals")
    served.client.get("/portal/path-forward")
    actions = [
        a
        for (a,) in served.query(
            "SELECT action FROM audit_log WHERE seq > ? ORDER BY seq", [before]
        )
    ]
    assert actions == ["appeals.read", "path_forward.read"]


def test_who_looked_names_the_reader_and_the_purpose(
    served: Served, person: tuple[str, str, str]
) -> None:
    code, _, _ = person
    office = served.key("operator", label="City credit office <review>")
    assert served.client.get(f"/operator/subjects/{code}", headers=office).status_code == 200
    page = served.client.get("/portal/who-looked")
    assert page.status_code == 200
    twin = served.client.get("/portal/who-looked.json").json()
    looked = [e for e in twin if e["who"].startswith("City credit office")]
    assert looked and looked[0]["purpose"] == "operations" and looked[0]["action"] == "file.read"
    text = text_of(page.text)
    assert f"{looked[0]['who']} operator operations file.read" in text
    assert "City credit office &lt;review&gt;" in page.text  # the label is escaped


def test_filing_an_appeal_through_the_form(served: Served, person: tuple[str, str, str]) -> None:
    code, record, secret = person
    form = served.client.get("/portal/appeals", params={"record_id": record})
    assert form.status_code == 200 and f'value="{record}"' in form.text
    token = _TOKEN.search(form.text)
    assert token is not None
    fields = {
        "token": token.group(1),
        "record_id": record,
        "against": "record",
        "reason": "Not mine: <b>paid</b> on time, receipt attached",
    }
    forged = served.client.post("/portal/appeals", data={**fields, "token": "0" * 32})
    assert forged.status_code == 403 and "stale or came from elsewhere" in text_of(forged.text)
    odd = served.client.post("/portal/appeals", data={**fields, "token": "é\u2028<x>"})
    assert odd.status_code == 403
    assert served.one("SELECT COUNT(*) FROM appeals WHERE record_id = ?", [record]) == 0
    filed = served.client.post("/portal/appeals", data=fields, follow_redirects=False)
    assert filed.status_code == 303
    appeal_id = served.one("SELECT appeal_id FROM appeals WHERE record_id = ?", [record])
    assert filed.headers["location"] == f"/portal/appeals?filed={appeal_id}"
    assert _last_audit(served)[3:] == ("appeal.filed", code)
    page = served.client.get(filed.headers["location"])
    text = text_of(page.text)
    assert f"Your appeal {appeal_id} is filed" in text
    mine = served.client.get("/me/appeals", headers={"X-API-Key": secret}).json()
    assert served.client.get("/portal/appeals.json").json() == mine
    (appeal,) = [a for a in mine if a["appeal_id"] == appeal_id]
    assert appeal["state"] == "open" and appeal["reason"] == fields["reason"]
    assert f"{appeal_id} record {record} {appeal['filed_on']} pending {appeal['decide_by']}" in text
    assert "<b>paid</b>" not in page.text
    again = served.client.post("/portal/appeals", data=fields)
    assert again.status_code == 409 and f"appeal {appeal_id} on record {record} is still open" in (
        text_of(again.text)
    )
    assert "Not mine: &lt;b&gt;paid&lt;/b&gt;" in again.text  # the form keeps what was typed


def test_an_appeal_the_form_cannot_file_says_why(
    served: Served, person: tuple[str, str, str]
) -> None:
    code, record, _ = person
    token = _TOKEN.search(served.client.get("/portal/appeals").text)
    assert token is not None
    _, other_record = negative_line(served, "person", f"l.subject_code <> '{code}'")
    base = {"token": token.group(1), "against": "record"}
    cases = [
        ({"record_id": record, "reason": "   "}, 422, "must not be empty"),
        ({"record_id": "", "reason": "why"}, 422, "record_id"),
        ({"record_id": record, "reason": "why", "against": "link"}, 422, "against"),
        ({"record_id": other_record, "reason": "why"}, 404, "on this subject's file"),
        ({"record_id": "a\x00b", "reason": "why"}, 422, "must not contain control characters"),
        ({"record_id": record, "reason": "why\x07"}, 422, "must not contain control characters"),
    ]
    before = served.one("SELECT COUNT(*) FROM appeals")
    for fields, status, words in cases:
        answer = served.client.post("/portal/appeals", data={**base, **fields})
        assert answer.status_code == status, fields
        assert words in text_of(answer.text), (fields, text_of(answer.text))
        assert 'action="/portal/appeals"' in answer.text  # the form again, to correct
    assert served.one("SELECT COUNT(*) FROM appeals") == before
    too_long = served.client.post(
        "/portal/appeals", data={**base, "record_id": record, "reason": "x" * 4001}
    )
    assert too_long.status_code == 422


def test_applying_for_credit_repair_from_the_path_forward(served: Served) -> None:
    code, record = negative_line(served, "person", "l.severity = 'minor'")
    secret = secret_of(served, "subject", code)
    served.client.cookies.clear()
    sign_in(served, secret)
    try:
        path = served.client.get("/portal/path-forward")
        assert path.status_code == 200
        twin = served.client.get("/portal/path-forward.json").json()
        assert twin == served.client.get("/me/path-forward", headers={"X-API-Key": secret}).json()
        assert record in twin["repairable_now"]
        assert f'<option value="{record}"' in path.text
        token = _TOKEN.search(path.text)
        assert token is not None
        fields = {"token": token.group(1), "record_id": record, "evidence": "Fine paid <today>"}
        applied = served.client.post("/portal/repairs", data=fields, follow_redirects=False)
        assert applied.status_code == 303
        repair_id = served.one("SELECT repair_id FROM repairs WHERE record_id = ?", [record])
        assert applied.headers["location"] == f"/portal/path-forward?applied={repair_id}"
        assert _last_audit(served)[3:] == ("repair.filed", code)
        after = text_of(served.client.get(applied.headers["location"]).text)
        assert f"credit repair {repair_id} is filed" in after and f"Pending: {repair_id}" in after
        (mine,) = served.client.get("/me/repairs", headers={"X-API-Key": secret}).json()
        assert mine["state"] == "open" and mine["evidence"] == "Fine paid <today>"
        again = served.client.post("/portal/repairs", data=fields)
        assert again.status_code == 409 and "still open" in text_of(again.text)
        assert "Fine paid &lt;today&gt;" in again.text
        empty = served.client.post("/portal/repairs", data={**fields, "evidence": " "})
        assert empty.status_code == 422 and "must not be empty" in text_of(empty.text)
    finally:
        served.client.cookies.clear()
