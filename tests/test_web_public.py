"""Public pages: each renders, escapes what it shows, equals its JSON twin and the API, and never
shows a person."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.conftest import ScoredCity
from tests.test_service_support import Served, copy_city
from tests.test_web_support import assert_no_person, people, serve_web, text_of


@pytest.fixture(scope="module")
def served(scored_city: ScoredCity, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = copy_city(scored_city, tmp_path_factory.mktemp("web-public") / "ws")
    with serve_web(root) as s:
        operator = s.key("operator")
        drawn = s.client.post(
            "/operator/inspections/plans",
            headers=operator,
            json={"size": 5, "seed": 3, "inspectors": 2},
        )
        assert drawn.status_code == 201
        yield s


def _black_listed(served: Served) -> str:
    return str(
        served.one(
            "SELECT subject_code FROM listings WHERE list_name = 'black' AND state = 'published' "
            "AND subject_kind = 'organization' ORDER BY subject_code LIMIT 1"
        )
    )


def test_every_public_page_renders_as_html_with_its_headers(served: Served) -> None:
    org = _black_listed(served)
    for path in (
        "/",
        "/lookup",
        f"/lookup?q={org[:10]}",
        f"/lookup/{org}",
        "/published/black",
        "/published/red?page=1&per_page=5",
        "/plans",
        "/login",
    ):
        answer = served.client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "script-src 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.text.startswith("<!doctype html>")
        assert "<script" not in answer.text  # pages work without JavaScript: there is none
        assert 'href="/static/credence.css"' in answer.text
        assert "http://" not in answer.text and "https://" not in answer.text  # nothing remote
    css = served.client.get("/static/credence.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


def test_the_organisation_page_shows_exactly_its_json_twin(served: Served) -> None:
    org = _black_listed(served)
    twin = served.client.get(f"/lookup/{org}.json")
    assert twin.status_code == 200
    data = twin.json()
    assert data == served.client.get(f"/organisations/{org}").json()  # the API's own answer
    text = text_of(served.client.get(f"/lookup/{org}").text)
    assert data["name"] and data["name"] in text and org in text
    assert f"Grade {data['grade']} score {data['score']}" in text
    assert data["listings"] and data["penalties"] and data["measures"]
    for listing in data["listings"]:
        assert listing["record_id"] in text and listing["state"] in text
    for penalty in data["penalties"]:
        assert penalty["record_id"] in text and penalty["legal_basis"] in text
        assert penalty["occurred_at"] in text
    for measure in data["measures"]:
        assert measure["measure_id"] in text and measure["legal_basis"] in text
    assert "may bid public tenders: no" in text


def test_search_page_lists_what_its_twin_finds(served: Served) -> None:
    code, name = served.query(
        "SELECT subject_code, name FROM subject_names WHERE subject_kind = 'organization' "
        "ORDER BY subject_code LIMIT 1"
    )[0]
    words = name[-4:]
    twin = served.client.get("/lookup.json", params={"q": words})
    assert twin.json() == served.client.get("/organisations", params={"q": words}).json()
    found = twin.json()["items"]
    assert code in [item["subject_code"] for item in found]
    page = served.client.get("/lookup", params={"q": words}).text
    for item in found:
        assert f'href="/lookup/{item["subject_code"]}"' in page
    assert f"{twin.json()['total']} organisation(s) match" in text_of(page)
    by_code = text_of(served.client.get("/lookup", params={"q": code[:14]}).text)
    assert code in by_code
    empty = served.client.get("/lookup").text
    assert "match" not in text_of(empty) and 'name="q"' in empty


def test_list_pages_equal_their_twin_and_the_api(served: Served) -> None:
    for name in ("black", "red"):
        twin = served.client.get(f"/published/{name}.json", params={"per_page": 10}).json()
        assert twin == served.client.get(f"/lists/{name}", params={"per_page": 10}).json()
        assert twin["items"], name
        page = text_of(served.client.get(f"/published/{name}", params={"per_page": 10}).text)
        for item in twin["items"]:
            assert item["subject_code"] in page
            assert (item["name"] or "(no name on record)") in page
        assert f"{twin['total']:,} published listing(s)" in page
    second = served.client.get("/published/black", params={"page": 2, "per_page": 1})
    assert second.status_code == 200 and 'rel="prev" href="/published/black?page=1' in second.text


def test_plans_page_shows_the_published_plan(served: Served) -> None:
    twin = served.client.get("/plans.json").json()
    assert twin == served.client.get("/inspections/plans").json()
    assert len(twin) == 1 and len(twin[0]["items"]) == 5
    page = served.client.get("/plans").text
    assert twin[0]["plan_id"] in page
    for item in twin[0]["items"]:
        assert f'href="/lookup/{item["subject_code"]}"' in page
    assert "inspector" not in text_of(page).split("paired at random with inspectors")[1]


def test_home_page_gives_the_list_sizes_of_its_twin(served: Served) -> None:
    twin = served.client.get("/index.json").json()
    for total in twin["lists"]:
        api = served.client.get(f"/lists/{total['list_name']}").json()["total"]
        assert total["published"] == api
    text = text_of(served.client.get("/").text)
    for total in twin["lists"]:
        assert f"The {total['list_name']} list: {total['published']:,}" in text
    assert twin["as_of"] and f"Results as of {twin['as_of']}" in text


def test_public_pages_never_show_a_person(served: Served) -> None:
    codes = people(served)
    pages = [
        served.client.get(path).text
        for path in (
            "/",
            "/plans",
            "/published/black?per_page=500",
            "/published/red?per_page=500",
            "/published/black.json?per_page=500",
            "/plans.json",
        )
    ]
    for page in pages:
        assert_no_person(page, codes)
    person = codes[0]
    name = served.one("SELECT name FROM subject_names WHERE subject_code = ?", [person])
    found = served.client.get("/lookup", params={"q": name})
    assert found.status_code == 200 and "0 organisation(s) match" in text_of(found.text)
    assert served.client.get("/lookup.json", params={"q": name}).json()["items"] == []
    for path in (f"/lookup/{person}", f"/lookup/{person}.json", f"/lookup?q={person[:12]}"):
        answer = served.client.get(path)
        assert answer.status_code in (200, 422), path
        assert_no_person(answer.text, codes)
    refused = served.client.get(f"/lookup/{person}")
    assert refused.status_code == 422 and "not the code of an organization" in refused.text


def test_pages_escape_what_they_show(served: Served) -> None:
    org = _black_listed(served)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    service = served.client.app.state.service  # type: ignore[attr-defined]
    with service.db.write() as con:
        con.execute("UPDATE subject_names SET name = ? WHERE subject_code = ?", [hostile, org])
    service.db.changed()  # results changed: the cached pages go
    for path in (f"/lookup/{org}", "/published/black?per_page=500", f"/lookup?q={org}"):
        page = served.client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path
    assert served.client.get(f"/lookup/{org}.json").json()["name"] == hostile
    echoed = served.client.get("/lookup", params={"q": '"><b>bold</b>'}).text
    assert "<b>bold</b>" not in echoed and 'value="&#34;&gt;&lt;b&gt;bold&lt;/b&gt;"' in echoed


def test_bad_input_gets_a_page_that_says_what_was_wrong(served: Served) -> None:
    cases = {
        "/lookup/NOT-A-CODE": (422, "neither a valid Unified Social Credit Code"),
        "/lookup/" + quote("<i>x"): (422, "neither a valid"),
        "/lookup?q=" + "x" * 101: (422, "q: String should have at most 100 characters"),
        "/lookup?q=a%00b": (422, "q: text must not contain control characters"),
        "/lookup?q=a&page=0": (422, "page: Input should be greater than or equal to 1"),
        "/published/green": (404, "no list 'green'"),
        "/published/black?per_page=100000": (422, "per_page"),
    }
    for path, (status, words) in cases.items():
        answer = served.client.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert words in text_of(answer.text), (path, text_of(answer.text))
        assert "<i>x" not in answer.text
    twin = served.client.get("/lookup/NOT-A-CODE.json")
    assert twin.status_code == 422 and twin.json()["error"] == "invalid_input"
    assert served.client.get("/lookup.json").status_code == 422  # the twin needs a query


HOSTILE = ["", " ", "%", "%00", "'; DROP TABLE scores; --", "é" * 60, "\u202e<svg/onload=x>",
           "..%2F..%2Fetc%2Fpasswd", "9" * 40, "null", "[]", "{{7*7}}"]  # fmt: skip


def test_hostile_input_never_breaks_a_public_page(served: Served) -> None:
    for junk in HOSTILE:
        for path, params in (
            ("/lookup", {"q": junk}),
            ("/lookup.json", {"q": junk}),
            ("/lookup", {"q": "a", "page": junk}),
            (f"/lookup/{quote(junk, safe='')}", {}),
            (f"/published/{quote(junk, safe='')}", {}),
            ("/published/black", {"page": junk, "per_page": junk}),
        ):
            answer = served.client.get(path, params=params)
            assert answer.status_code < 500, (path, params)
            if answer.headers["content-type"].startswith("text/html"):
                assert "<svg/onload" not in answer.text, (path, params)
    echoed = text_of(served.client.get("/lookup", params={"q": "{{7*7}}"}).text)
    assert "“{{7*7}}”" in echoed and "49" not in echoed  # shown as typed, never evaluated
