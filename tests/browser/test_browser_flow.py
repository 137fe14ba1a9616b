"""A person's path through the pages in a real browser, with JavaScript off: look up a firm, sign
in with one's key, read the explanation, file an appeal through the form and see it pending.
An operator then sees it in the queue. Every request stays on the served origin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveCity, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(browser: Any, live_city: LiveCity) -> Iterator[Any]:
    """A fresh browser context without JavaScript, recording every URL it asks for."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    try:
        yield tab
    finally:
        assert all(url.startswith(live_city.base_url + "/") for url in tab.requested), (
            "a page loaded something from elsewhere"
        )
        context.close()


def _person_with_a_negative_line(city: LiveCity) -> tuple[str, str]:
    code = city.one(
        "SELECT l.subject_code FROM score_lines l JOIN scores s USING (subject_kind, subject_code) "
        "WHERE l.subject_kind = 'person' AND l.points < 0 AND l.counted AND s.scored "
        "ORDER BY l.subject_code LIMIT 1"
    )
    record = city.one(
        "SELECT record_id FROM score_lines WHERE subject_code = ? AND points < 0 AND counted "
        "ORDER BY occurred_at DESC, record_id LIMIT 1",
        [code],
    )
    return str(code), str(record)


def test_lookup_explanation_and_an_appeal_in_a_real_browser(
    page: Any, live_city: LiveCity, tmp_path: Path
) -> None:
    base = live_city.base_url
    org = str(
        live_city.one(
            "SELECT subject_code FROM listings WHERE list_name = 'black' AND state = 'published' "
            "AND subject_kind = 'organization' ORDER BY subject_code LIMIT 1"
        )
    )
    name = str(live_city.one("SELECT name FROM subject_names WHERE subject_code = ?", [org]))

    # the public lookup: search by name, open the organisation's page
    page.goto(base + "/")
    page.fill("#q", name)
    page.click("form.search button")
    expect(page.locator("p.count")).to_contain_text("organisation(s) match")
    page.click(f'a[href="/lookup/{org}"]')
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator("section", has=page.locator("#lists"))).to_contain_text("published")
    penalties = page.locator("section", has=page.locator("#penalties")).locator("tbody tr")
    expect(penalties).not_to_have_count(0)

    # the person signs in with their key and reads their explanation
    person, record = _person_with_a_negative_line(live_city)
    secret = live_city.key("subject", person)
    page.click('a[href="/login"]')
    page.fill("#key", secret)
    page.click("form.stack button")
    expect(page).to_have_url(base + "/portal")
    expect(page.locator("h1")).to_contain_text("Your file")
    expect(page.locator("p.code code")).to_have_text(person)
    line = page.locator("table.lines tr", has=page.locator(f"code:text-is('{record}')"))
    expect(line).to_have_count(1)
    legal_basis = str(
        live_city.one("SELECT legal_basis FROM score_lines WHERE record_id = ?", [record])
    )
    expect(line).to_contain_text(legal_basis)

    # files an appeal against that line through the form, and sees it pending
    line.locator("a", has_text="Appeal").click()
    expect(page.locator("#record_id")).to_have_value(record)
    page.fill("#reason", "This late filing is not mine: the return was filed on time.")
    page.click("text=File the appeal")
    expect(page.locator("[role=status]")).to_contain_text("is filed")
    appeal_id = str(live_city.one("SELECT appeal_id FROM appeals WHERE record_id = ?", [record]))
    decide_by = live_city.one("SELECT decide_by FROM appeals WHERE appeal_id = ?", [appeal_id])
    row = page.locator(f"tr#{appeal_id}")
    expect(row).to_contain_text("pending")
    expect(row).to_contain_text(str(decide_by))
    keep_screenshot(page, tmp_path, "appeal-filed.png")

    # who looked: their own reads and the appeal are on record
    page.click("nav.tabs >> text=Who looked")
    expect(page.locator("main table")).to_contain_text("appeal.filed")
    expect(page.locator("main table")).to_contain_text("file.read")

    # an operator signs in and sees the appeal in the queue, with the charts drawn
    page.click("text=Sign out")
    page.goto(base + "/login")
    page.fill("#key", live_city.key("operator"))
    page.click("form.stack button")
    expect(page).to_have_url(base + "/dashboard")
    expect(page.locator("svg.chart")).to_have_count(3)
    expect(page.locator("section", has=page.locator("#appeals"))).to_contain_text(appeal_id)
    keep_screenshot(page, tmp_path, "dashboard.png")
