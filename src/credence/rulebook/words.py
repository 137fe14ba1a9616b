"""Rule fields in plain words, the way a person who is rated reads them.

Two kinds of output: ``plain`` text (escaped by whoever prints it) and Markdown inline text
(``*_md``), where ids and kinds are code spans and every literal value is already escaped, so
the Markdown rulebook prints it as is and the HTML one passes it through markdown-it.
"""

from __future__ import annotations

import re

from credence.rules.duration import Duration
from credence.rules.spec import Compare, KindMatch, Scalar, When

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&!{}])")
_MD_BLOCK_START = re.compile(r"^([-+=>]|\d+(?=[.)]))")
_KIND_NAMES = {"person": "people", "organization": "organisations"}


def md_escape(text: object) -> str:
    """Free text as literal inline Markdown: specials backslash-escaped, all on one line."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_block(text: object) -> str:
    """Free text as a literal Markdown paragraph: also no list, quote or heading marker first."""
    escaped = md_escape(text)
    match = _MD_BLOCK_START.match(escaped)
    if match is None:
        return escaped
    end = match.end()
    if escaped[:end].isdigit():  # "1. " would start a list: escape the dot, not the digits
        return escaped[:end] + "\\" + escaped[end:]
    return "\\" + escaped


def code(text: str) -> str:
    """A Markdown code span (ids and kinds); escaped text if it holds a backtick."""
    return md_escape(text) if "`" in text or not text.strip() else f"`{text}`"


def codes_md(ids: list[str]) -> str:
    """Ids as code spans, comma-separated; ``none`` for an empty list."""
    return ", ".join(code(i) for i in ids) or "none"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


def number_words(value: float) -> str:
    """``100000`` → ``100,000``; ``0.5`` stays ``0.5``; no float noise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.10g}"


def duration_words(duration: Duration) -> str:
    """``P3Y`` → ``3 years``, ``P1Y6M`` → ``1 year and 6 months``, ``P90D`` → ``90 days``."""
    years, months = divmod(duration.months, 12)
    parts = [
        plural(n, unit) for n, unit in ((years, "year"), (months, "month"), (duration.days, "day"))
        if n
    ]  # fmt: skip
    if not parts:
        return "no time"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def kinds_words(kinds: list[str]) -> str:
    """``[person, organization]`` → ``people and organisations``."""
    names = [_KIND_NAMES.get(k, k) for k in kinds]
    return " and ".join(names) if names else "nobody"


def signed(points: int) -> str:
    return f"{points:+d}"


def _value_md(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_words(value)
    return f"“{md_escape(value)}”"


def compare_md(cmp: Compare) -> str:
    """``{gte: 100000, lt: 500000}`` → ``at least 100,000 and less than 500,000``.

    Read after the field's name: ``amount at least 100,000``, ``attribute `paid` false``.
    """
    phrases = {
        "eq": "{}", "ne": "not {}", "gt": "more than {}", "gte": "at least {}",
        "lt": "less than {}", "lte": "at most {}",
    }  # fmt: skip
    parts = []
    for name, operand in cmp.operators().items():
        if name == "in":
            parts.append("one of " + ", ".join(_value_md(v) for v in operand))
        elif name == "prefix":
            parts.append(f"starting with “{md_escape(operand)}”")
        else:
            parts.append(phrases[name].format(_value_md(operand)))
    return " and ".join(parts)


def kind_md(kind: KindMatch) -> str:
    """What kind of record: one kind, one of several, or every kind under a prefix."""
    if kind.eq is not None:
        return f"a record of kind {code(kind.eq)}"
    if kind.in_ is not None:
        return "a record of one of the kinds " + ", ".join(code(k) for k in kind.in_)
    return f"a record whose kind starts with {code(kind.prefix or '')}"


def condition_md(when: When) -> str:
    """The whole trigger: ``a record of kind `x` with amount at least 100,000``.

    Attributes follow the amount: ``... and attribute `fulfilled` false``.
    """
    parts = []
    if when.amount is not None:
        parts.append("amount " + compare_md(when.amount))
    for name, cmp in when.attributes.items():
        parts.append(f"attribute {code(name)} " + compare_md(cmp))
    text = kind_md(when.kind)
    return text + (" with " + " and ".join(parts) if parts else "")


def effect_md(name: str, value: Scalar) -> str:
    """``inspection_rate: 0.98`` → ``inspection rate: 98%``; ``false`` → ``no``."""
    label = md_escape(name.replace("_", " "))
    if isinstance(value, bool):
        shown = "yes" if value else "no"
    elif isinstance(value, int | float) and name.endswith("_rate") and 0 <= value <= 1:
        shown = f"{value * 100:.6g}%"
    elif isinstance(value, int | float):
        shown = number_words(float(value))
    else:
        shown = md_escape(value)
    return f"{label}: {shown}"
