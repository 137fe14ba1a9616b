"""Rule fields in plain words, and Markdown escaping that keeps any text literal."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from credence.rulebook.words import (
    code,
    codes_md,
    compare_md,
    condition_md,
    duration_words,
    effect_md,
    kinds_words,
    md_block,
    md_escape,
    number_words,
)
from credence.rules.duration import Duration
from credence.rules.spec import Compare, When

# html on: the escaping must hold even where a Markdown renderer lets raw HTML through.
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


@pytest.mark.parametrize(
    ("iso", "words"),
    [
        ("P3Y", "3 years"),
        ("P1Y", "1 year"),
        ("P6M", "6 months"),
        ("P1M", "1 month"),
        ("P90D", "90 days"),
        ("P1D", "1 day"),
        ("P1Y6M", "1 year and 6 months"),
        ("P1Y2M3D", "1 year, 2 months and 3 days"),
        ("P18M", "1 year and 6 months"),
        ("P2W", "14 days"),
    ],
)
def test_durations_read_as_words(iso: str, words: str) -> None:
    assert duration_words(Duration.parse(iso)) == words


def test_an_empty_duration_reads_as_no_time() -> None:
    assert duration_words(Duration()) == "no time"


@pytest.mark.parametrize(
    ("value", "words"),
    [(100000, "100,000"), (100000.0, "100,000"), (0.5, "0.5"), (1234.5, "1,234.5"), (-60, "-60")],
)
def test_numbers_are_grouped_without_float_noise(value: float, words: str) -> None:
    assert number_words(value) == words


def test_amount_and_attribute_conditions_read_as_words() -> None:
    when = When.model_validate(
        {
            "kind": "tax.evasion.judgment",
            "amount": {"gte": 100000, "lt": 500000},
            "attributes": {"fulfilled": {"eq": False}, "court": {"in": ["city", "province"]}},
        }
    )
    assert condition_md(when) == (
        "a record of kind `tax.evasion.judgment` with amount at least 100,000 and less than "
        "500,000 and attribute `fulfilled` false and attribute `court` one of “city”, “province”"
    )


def test_kind_lists_and_prefixes_read_as_words() -> None:
    assert condition_md(When.model_validate({"kind": {"in": ["a.b", "a.c"]}})) == (
        "a record of one of the kinds `a.b`, `a.c`"
    )
    assert condition_md(When.model_validate({"kind": {"prefix": "market."}})) == (
        "a record whose kind starts with `market.`"
    )


def test_every_comparison_operator_has_words() -> None:
    cmp = Compare.model_validate({"ne": "x", "gt": 1, "lte": 2.5, "prefix": "A"})
    assert compare_md(cmp) == "not “x” and more than 1 and at most 2.5 and starting with “A”"


def test_effects_read_as_words() -> None:
    assert effect_md("inspection_rate", 0.98) == "inspection rate: 98%"
    assert effect_md("inspection_rate", 0.005) == "inspection rate: 0.5%"
    assert effect_md("may_bid_public_tenders", False) == "may bid public tenders: no"
    assert effect_md("fast_track_approval", True) == "fast track approval: yes"
    assert effect_md("max_loan", 50000) == "max loan: 50,000"


def test_subject_kinds_read_as_words() -> None:
    assert kinds_words(["person", "organization"]) == "people and organisations"
    assert kinds_words(["organization"]) == "organisations"


def test_ids_are_code_spans_unless_they_hold_a_backtick() -> None:
    assert codes_md(["a-1", "b.2"]) == "`a-1`, `b.2`"
    assert codes_md([]) == "none"
    assert code("x`y") == "x\\`y"


def _text(rendered: str) -> str:
    return html.unescape(rendered.strip().removeprefix("<p>").removesuffix("</p>"))


HOSTILE = [
    "<script>alert('x')</script>",
    "*bold* _it_ `code` [link](http://evil.example) ![img](x.png)",
    "a | b | c",
    "&lt; is already an entity &amp; so is this",
    "back\\slash\\ at the end\\",
    "# not a heading",
    "1. not a list",
    "- not a list either",
    "> not a quote",
    "<http://autolink.example>",
    "~~~ not a fence",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_the_same_text(text: str) -> None:
    assert _text(MARKDOWN.renderInline(md_escape(text))) == text
    assert _text(MARKDOWN.render(md_block(text))) == text
    assert "<script" not in MARKDOWN.render(md_block(text))


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp"))))
def test_any_text_survives_escaping_literally(text: str) -> None:
    flat = " ".join(text.split())
    assert _text(MARKDOWN.renderInline(md_escape(text))) == flat
    if flat:
        assert _text(MARKDOWN.render(md_block(text))) == flat
