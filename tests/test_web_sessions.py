"""Sign-in sessions: the cookie holds a server-side session's token (never the key), which ends
at sign-out, at its expiry or with its key; both sign-in forms carry CSRF tokens; cookies are
Secure but on a loopback host; the API reads days and booleans strictly."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from credence.service.keys import revoke_key
from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city, negative_line
from tests.test_web_support import login_token, page_token, secret_of, serve_web, sign_in, text_of


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("web-sessions") / "ws")
    with serve_web(root) as s:
        yield s


@pytest.fixture
def person(served: Served) -> Iterator[tuple[str, str]]:
    """(code, key) of a person with a file; the client starts and ends signed out."""
    code, _ = negative_line(served, "person")
    served.client.cookies.clear()
    yield code, secret_of(served, "subject", code)
    served.client.cookies.clear()


def _session_cookie(served: Served) -> str:
    token = served.client.cookies.get("credence_session")
    assert token, "signed in"
    return token


def test_the_cookie_holds_a_session_token_and_the_catalog_only_its_hash(
    served: Served, person: tuple[str, str]
) -> None:
    _, secret = person
    sign_in(served, secret)
    token = _session_cookie(served)
    assert token != secret and secret not in token
    stored = served.query("SELECT session_sha256, key_id FROM web_sessions")
    assert (hashlib.sha256(token.encode()).hexdigest(),) in [(s,) for s, _ in stored]
    assert all(token not in str(row) for row in stored)
    assert served.client.get("/portal").status_code == 200


def test_a_session_ends_at_sign_out_and_its_cookie_opens_nothing_after(
    served: Served, person: tuple[str, str]
) -> None:
    sign_in(served, person[1])
    token = _session_cookie(served)
    out = served.client.post("/logout", data={"token": page_token(served)}, follow_redirects=False)
    assert out.status_code == 303
    served.client.cookies.set("credence_session", token)  # replayed, as a thief would
    replay = served.client.get("/portal")
    assert replay.status_code == 401 and "your session has ended" in text_of(replay.text)
    assert 'credence_session=""' in replay.headers.get("set-cookie", "")


def test_a_session_ends_at_its_expiry_and_with_its_key(
    served: Served, person: tuple[str, str]
) -> None:
    sign_in(served, person[1])
    token = _session_cookie(served)
    digest = hashlib.sha256(token.encode()).hexdigest()
    service = served.client.app.state.service  # type: ignore[attr-defined]
    with service.db.write() as con:
        con.execute(
            "UPDATE web_sessions SET expires_at = now() - INTERVAL 1 MINUTE"
            " WHERE session_sha256 = ?",
            [digest],
        )
    assert served.client.get("/portal").status_code == 401
    served.client.cookies.clear()
    sign_in(served, person[1])
    assert served.client.get("/portal").status_code == 200
    key_id = served.one(
        "SELECT key_id FROM web_sessions WHERE session_sha256 = ?",
        [hashlib.sha256(_session_cookie(served).encode()).hexdigest()],
    )
    with service.db.write() as con:
        revoke_key(con, key_id)
    assert served.client.get("/portal").status_code == 401


def test_sign_in_needs_the_token_of_its_own_form(served: Served, person: tuple[str, str]) -> None:
    _, secret = person
    no_token = served.client.post("/login", data={"key": secret}, follow_redirects=False)
    assert no_token.status_code == 403 and "sign-in form is stale" in text_of(no_token.text)
    token = login_token(served)
    wrong = served.client.post("/login", data={"key": secret, "token": token[:-2] + "xx"})
    assert wrong.status_code == 403
    served.client.cookies.clear()  # another site's form: the token, but not this browser's cookie
    forged = served.client.post("/login", data={"key": secret, "token": token})
    assert forged.status_code == 403
    assert "credence_session" not in served.client.cookies


def test_sign_out_needs_the_sessions_token(served: Served, person: tuple[str, str]) -> None:
    sign_in(served, person[1])
    refused = served.client.post("/logout", data={"token": "0" * 43}, follow_redirects=False)
    assert refused.status_code == 403
    assert served.client.get("/portal").status_code == 200  # still signed in
    assert 'name="token"' in served.client.get("/portal").text  # the sign-out form carries it


def test_cookies_are_secure_except_on_a_loopback_host(
    served: Served, person: tuple[str, str]
) -> None:
    app = served.client.app
    local = TestClient(app, base_url="http://127.0.0.1")
    form = local.get("/login")
    login_cookie = form.headers["set-cookie"]
    assert "credence_login=" in login_cookie and "Secure" not in login_cookie
    plain = TestClient(app, base_url="http://credit.example.org")
    answer = plain.get("/login")
    assert "Secure" in answer.headers["set-cookie"]  # a proxy in front: Secure all the same
    app.state.secure_cookies = True  # what serve --secure-cookies sets
    try:
        assert "Secure" in local.get("/login").headers["set-cookie"]
    finally:
        app.state.secure_cookies = False


def test_days_and_booleans_are_read_strictly(served: Served, person: tuple[str, str]) -> None:
    _, secret = person
    headers = {"X-API-Key": secret}
    for bad in ("0", "1700000000", "2024-1-1", "01/02/2024", "2024-02-30"):
        answer = served.client.get("/me", params={"as_of": bad}, headers=headers)
        assert answer.status_code == 422, bad
        assert answer.json()["error"] == "invalid_request"
    good = served.client.get("/me", params={"as_of": "2025-06-30"}, headers=headers)
    assert good.status_code == 200 and good.json()["as_of"] == "2025-06-30"
    operator = served.key("operator")
    for bad in ("yes", 1, "on", "true"):
        body = {"size": 5, "seed": 1, "publish": bad}
        answer = served.client.post("/operator/inspections/plans", json=body, headers=operator)
        assert answer.status_code == 422, bad
