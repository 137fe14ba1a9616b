"""The rulebook says, in both formats, everything a rated person must be able to read.

Golden Markdown for the small design ruleset lives in ``tests/snapshots/rulebook_design.md``;
regenerate it with ``CREDENCE_UPDATE_SNAPSHOTS=1 pytest tests/test_rulebook.py``.
"""

from __future__ import annotations

import html
import json
import os
import re
from importlib import resources
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from credence.rulebook import RulebookError, render_html, render_markdown, write_rulebook
from credence.rules.loader import (
    default_ruleset_path,
    load_ruleset,
    load_ruleset_text,
    ruleset_hash,
)
from credence.rules.spec import Ruleset, legal_basis

HERE = Path(__file__).resolve().parent
DESIGN = HERE / "fixtures" / "rulesets" / "design.yaml"
SNAPSHOT = HERE / "snapshots" / "rulebook_design.md"
ISO_DURATION = re.compile(r"\bP\d+[YMWD]")


def _page_text(page: str) -> str:
    """What a reader of the HTML page sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _rulesets() -> dict[str, Ruleset]:
    return {"design": load_ruleset(DESIGN), "starter": load_ruleset(default_ruleset_path())}


@pytest.fixture(scope="module", params=["design", "starter"])
def rendered(request: pytest.FixtureRequest) -> tuple[Ruleset, str, str]:
    ruleset = _rulesets()[request.param]
    return ruleset, render_markdown(ruleset), render_html(ruleset)


def test_the_markdown_matches_the_snapshot() -> None:
    rendered = render_markdown(load_ruleset(DESIGN))
    if os.environ.get("CREDENCE_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert SNAPSHOT.exists(), f"{SNAPSHOT.name} is missing: regenerate it (see the docstring)"
    assert rendered == SNAPSHOT.read_text(encoding="utf-8")


def test_both_files_are_written(tmp_path: Path) -> None:
    written = write_rulebook(load_ruleset(DESIGN), tmp_path / "out")
    assert [p.name for p in written] == ["rulebook.md", "rulebook.html"]
    assert written[0].read_text(encoding="utf-8").startswith("# Rulebook of credence-default")
    assert written[1].read_text(encoding="utf-8").startswith("<!doctype html>")


def test_one_format_writes_one_file(tmp_path: Path) -> None:
    assert write_rulebook(load_ruleset(DESIGN), tmp_path, ["html"]) == [tmp_path / "rulebook.html"]
    assert not (tmp_path / "rulebook.md").exists()


def test_a_bad_format_or_output_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="pdf"):
        write_rulebook(load_ruleset(DESIGN), tmp_path, ["pdf"])
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(RulebookError, match="not a folder"):
        write_rulebook(load_ruleset(DESIGN), blocker)


def test_every_requirement_rating_and_legal_basis_is_in_both(
    rendered: tuple[Ruleset, str, str],
) -> None:
    ruleset, markdown, page = rendered
    text = _page_text(page)
    for rating, req in ruleset.requirements():
        for shown in (markdown, text):
            assert req.id in shown
            assert legal_basis(rating, req) in shown
            assert (rating.name or rating.id) in shown
    for measure in ruleset.measures:
        assert measure.id in markdown and measure.legal_basis in markdown
        assert measure.id in text and measure.legal_basis in text


def test_the_hash_is_the_rulesets_hash(rendered: tuple[Ruleset, str, str]) -> None:
    ruleset, markdown, page = rendered
    digest = ruleset_hash(ruleset)
    assert f"**Content hash (sha256):** `{digest}`" in markdown
    assert f'<code class="hash">{digest}</code>' in page


def test_durations_are_in_words_never_iso(rendered: tuple[Ruleset, str, str]) -> None:
    _, markdown, page = rendered
    assert ISO_DURATION.search(markdown) is None
    assert ISO_DURATION.search(_page_text(page)) is None


def test_the_design_ruleset_in_plain_words() -> None:
    markdown = render_markdown(load_ruleset(DESIGN))
    assert "with amount at least 100,000" in markdown
    assert "**Counts for:** 3 years from the day it happened" in markdown
    assert "**Cap:** 3 (at most 3 records count, -15 points in all)" in markdown
    assert "starts from **1,000 points**" in markdown
    assert "| AA | 1,030 to 1,049 | none |" in markdown
    assert "| D | below 600 | none |" in markdown
    assert "For\n  10 days it is not published" in markdown
    assert "*expires* 2 years" in markdown
    assert "people: grade AAA; organisations: grade 1" in markdown
    assert "may bid public tenders: no" in markdown


def test_severity_tiers_repair_and_consent_are_explained() -> None:
    text = render_markdown(load_ruleset(default_ruleset_path()))
    assert "| minor | 3 months | at any time |" in text
    assert "| general | 1 year | after 3 months |" in text
    assert "| serious | 3 years | after 1 year |" in text
    assert (
        "general: counts for at most 1 year; credit repair may be asked for after 3 months" in text
    )
    assert "A person is scored only with their consent" in text
    assert "Records from private platforms" in text
    for right in ("See your whole file", "Appeal a record or a listing",
                  "Contest a wrong identity link", "Ask for credit repair"):  # fmt: skip
        assert right in text
    assert "| AAA | 1,050 or more | `fast-track-services` |" in text
    assert "grade AAA (people)" in text  # where the incentive measure applies


def test_a_severity_shorter_than_valid_for_is_what_counts() -> None:
    text = DESIGN.read_text(encoding="utf-8").replace(
        "        category: tax\n", "        severity: general\n        category: tax\n", 1
    )
    markdown = render_markdown(load_ruleset_text(text, "design.yaml"))
    assert (
        "**Counts for:** 1 year from the day it happened "
        "(valid for 3 years, cut short by its severity tier)"
    ) in markdown


def test_the_html_contents_link_to_every_rating_by_stream() -> None:
    ruleset = load_ruleset(default_ruleset_path())
    page = render_html(ruleset)
    nav = page.split('<nav id="contents"', 1)[1].split("</nav>", 1)[0]
    ids = re.findall(r'id="([^"]+)"', page)
    anchors = set(ids)
    assert len(anchors) == len(ids), "an anchor is used twice"
    for target in re.findall(r'href="#([^"]+)"', page):
        assert target in anchors, f"#{target} has no anchor"
    for rating in ruleset.ratings:
        stream_at = nav.index(f'href="#stream-{rating.stream}"')
        assert nav.index(f'href="#rating-{rating.id}"') > stream_at
        for req in rating.requirements:
            assert f'href="#req-{req.id}"' in nav


def test_the_html_is_self_contained() -> None:
    page = render_html(load_ruleset(default_ruleset_path()))
    css = (resources.files("credence.rulebook") / "static" / "rulebook.css").read_text("utf-8")
    assert css.strip() in page
    lowered = page.lower()
    for outside in ("<script", "<link", " src=", "http://", "https://", "@import"):
        assert outside not in lowered


HOSTILE = "<script>alert('x')</script> & *bold* [link](http://evil.example) | pipe"


def test_text_from_the_ruleset_is_escaped_in_both_formats() -> None:
    text = DESIGN.read_text(encoding="utf-8")
    text = text.replace(
        'legal_basis: "Law on the Administration of Tax Collection"',
        f"legal_basis: {json.dumps(HOSTILE)}",
    )
    text = text.replace(
        "  - id: tax-compliance\n", '  - id: tax-compliance\n    name: "<b>Tax</b>"\n'
    )
    text = text.replace("base_points: 1000\n", "base_points: 1000\ndescription: '# 1. <i>x</i>'\n")
    ruleset = load_ruleset_text(text, "hostile.yaml")
    markdown, page = render_markdown(ruleset), render_html(ruleset)
    assert "<script" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and 'href="http://evil' not in page
    assert HOSTILE in _page_text(page)
    assert "<b>Tax</b>" in _page_text(page)
    assert "\\<script\\>" in markdown
    as_html = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    assert "<script" not in as_html and "<b>" not in as_html and 'href="http://evil' not in as_html
    assert HOSTILE in html.unescape(as_html)
