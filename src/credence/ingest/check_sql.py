"""The ingest's checks of codes and categories as SQL expressions, written once through sqlglot.

Why SQL: a check called as a Python function from SQL runs row by row in the interpreter, and
cannot run on Spark at all. These expressions are written in Spark SQL (the rules compiler's
template dialect), parsed by sqlglot and printed for whichever engine runs the ingest, so DuckDB
and Spark evaluate the same definition. python-stdnum stays the reference: its alphabet, its
region database (``regions.py``) and its answers; ``tests/test_ingest_check_sql.py`` holds these
expressions equal to stdnum on generated valid and corrupted codes, and the category expression
equal to ``model.is_forbidden_category``.

What they assume of their input, as the ingest gives it: a value trimmed of surrounding blanks,
holding no control character (both checked before any code is read), and letters outside ASCII
never turning into ASCII when upper-cased (Python's ``'ſ'.upper()`` is ``'S'``; no code is
written so).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from stdnum.cn import uscc
from stdnum.util import _char_map

from credence.model import (
    FORBIDDEN_CATEGORIES,
    FORBIDDEN_STEMS,
    FORBIDDEN_WORDS,
    HARMLESS_PHRASES,
)

TEMPLATE = "spark"
USCC_ALPHABET: str = uscc._alphabet
# GB 32100: weight of position i (from 0) is 3^i mod 31; GB 11643: 2^(17-i) mod 11.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_DIGITS = "0123456789"
_SLOT = "slot__"  # a template's :name, as the column name sqlglot parses it


def _tree(template: str, **values: exp.Expression | str | int) -> exp.Expression:
    """Parse a Spark SQL template and fill its ``:name`` slots (strings as literals)."""
    filled = {
        name: exp.Literal.string(v) if isinstance(v, str) else
        exp.Literal.number(v) if isinstance(v, int) else v
        for name, v in values.items()
    }  # fmt: skip

    def fill(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name.startswith(_SLOT):
            return filled[node.name.removeprefix(_SLOT)].copy()  # a copy: one parent a node
        return node

    text = re.sub(r":([a-z]+)", _SLOT + r"\1", template)
    return sqlglot.parse_one(text, read=TEMPLATE).transform(fill, copy=False)


@functools.cache
def _separators() -> tuple[str, str]:
    """stdnum's map of look-alike characters (dashes, spaces, full-width digits) as the two
    strings of a SQL ``translate``."""
    keys = "".join(_char_map)
    if any(k.isascii() and k.isalnum() for k in keys):
        raise ValueError("a look-alike is an ASCII letter or digit: the fast path is wrong")
    return keys, "".join(_char_map[k] for k in keys)


def compact_code(raw: exp.Expression) -> exp.Expression:
    """``stdnum.cn.uscc.compact``: look-alikes mapped, spaces and dashes removed, upper case.

    A code of letters and digits alone (nearly every one) is only upper-cased: no look-alike
    is a letter or a digit of ASCII, and a ``translate`` over stdnum's 195 look-alikes costs
    microseconds a value."""
    keys, values = _separators()
    return _tree(
        "CASE WHEN :raw RLIKE '^[0-9A-Za-z]*$' THEN upper(:raw)"
        " ELSE upper(replace(replace(translate(:raw, :keys, :into), ' ', ''), '-', '')) END",
        raw=raw, keys=keys, into=values,
    )  # fmt: skip


def _char(code: exp.Expression, position: int) -> exp.Expression:
    return _tree("substr(:code, :at, 1)", code=code, at=position)


def _weighted_sum(code: exp.Expression, alphabet: str, weights: tuple[int, ...]) -> exp.Expression:
    """Σ index(character i) × weight i over the first len(weights) characters."""
    terms = [
        _tree("(instr(:alphabet, :char) - 1) * :weight",
              alphabet=alphabet, char=_char(code, i + 1), weight=w)
        for i, w in enumerate(weights)
    ]  # fmt: skip
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return exp.Paren(this=total)


def uscc_valid(code: exp.Expression) -> exp.Expression:
    """``stdnum.cn.uscc.is_valid`` of a compact code: 18 characters, 8 digits then 10 of the
    alphabet, and the check character of GB 32100."""
    pattern = f"^[0-9]{{8}}[{USCC_ALPHABET}]{{10}}$"
    check = _tree(
        "substr(:alphabet, (31 - :total % 31) % 31 + 1, 1)",
        alphabet=USCC_ALPHABET, total=_weighted_sum(code, USCC_ALPHABET, USCC_WEIGHTS),
    )  # fmt: skip
    return _tree(
        "coalesce(length(:code) = 18 AND :code RLIKE :pattern AND substr(:code, 18, 1) = :check,"
        " FALSE)",
        code=code, pattern=pattern, check=check,
    )  # fmt: skip


def birth_year(code: exp.Expression) -> exp.Expression:
    """The birth year a resident identity number names (NULL when not four digits)."""
    return _tree("TRY_CAST(substr(:code, 7, 4) AS INT)", code=code)


def ric_valid_but_region(code: exp.Expression) -> exp.Expression:
    """``stdnum.cn.ric.is_valid`` of a compact number, all but the birth place (a join with
    ``regions.region_table`` on the first six digits and ``birth_year``): 17 digits and a
    check digit or X (GB 11643), and a birth date that exists."""
    check = _tree(
        "substr('0123456789X', (12 - :total % 11) % 11 + 1, 1)",
        total=_weighted_sum(code, _DIGITS, RIC_WEIGHTS),
    )
    year, month, day = (
        _tree(f"TRY_CAST(substr(:code, {at}, {n}) AS INT)", code=code)
        for at, n in ((7, 4), (11, 2), (13, 2))
    )
    leap = _tree(
        "(:y % 4 = 0 AND :y % 100 <> 0) OR :y % 400 = 0", y=year
    )
    days = _tree(
        "CASE WHEN :m = 2 THEN CASE WHEN :leap THEN 29 ELSE 28 END"
        " WHEN :m IN (4, 6, 9, 11) THEN 30 ELSE 31 END",
        m=month, leap=leap,
    )
    return _tree(
        "coalesce(length(:code) = 18 AND :code RLIKE '^[0-9]{17}[0-9X]$'"
        " AND substr(:code, 18, 1) = :check AND :y >= 1 AND :m BETWEEN 1 AND 12"
        " AND :d BETWEEN 1 AND :days, FALSE)",
        code=code, check=check, y=year, m=month, d=day, days=days,
    )  # fmt: skip


def shown_code(kind: exp.Expression, code: exp.Expression) -> exp.Expression:
    """How a message may show a code: a person's number, or anything that looks like one
    (18 characters, 17 digits first), masked to its region and last character."""
    return _tree(
        "CASE WHEN :kind = 'person' OR (length(:code) = 18 AND :code RLIKE '^[0-9]{17}')"
        " THEN CASE WHEN length(:code) = 18"
        " THEN substr(:code, 1, 6) || '***********' || substr(:code, 18, 1)"
        " ELSE repeat('*', length(:code)) END ELSE :code END",
        kind=kind, code=code,
    )  # fmt: skip


def _alternatives(words: list[str]) -> str:
    """A regular expression alternative of plain lower-case words."""
    for word in words:
        if not word.replace("_", "").isalnum() or word != word.lower() or not word.isascii():
            raise ValueError(f"{word!r} is not a plain lower-case word")
    return "(" + "|".join(sorted(words)) + ")"


def forbidden_category(value: exp.Expression) -> exp.Expression:
    """``model.is_forbidden_category`` in SQL: the name itself on the list, a part starting
    with a forbidden stem, or a forbidden word not inside a harmless phrase.

    The parts (split on ``_``, ``-`` and ``.``) are written ``__a__b__``: each part then has
    its own separators, so replacing every harmless phrase's forbidden word by its upper-case
    spelling (which no lower-cased name holds) leaves exactly the words that count.
    """
    name = _tree("replace(lower(trim(:v)), '-', '_')", v=value)
    single = _tree(
        "regexp_replace('_' || replace(:name, '.', '_') || '_', '_+', '_')", name=name
    )
    doubled: exp.Expression = _tree("replace(:single, '_', '__')", single=single)
    for phrase in sorted(HARMLESS_PHRASES):
        first, second = phrase.split("_")
        neutral = "_".join(p.upper() if p in FORBIDDEN_WORDS else p for p in (first, second))
        doubled = _tree(
            "replace(:text, :phrase, :neutral)",
            text=doubled, phrase=f"_{first}__{second}_", neutral=f"_{neutral.replace('_', '__')}_",
        )  # fmt: skip
    listed = ", ".join(exp.Literal.string(c).sql(TEMPLATE) for c in sorted(FORBIDDEN_CATEGORIES))
    return _tree(
        f"coalesce(:name IN ({listed}) OR :single RLIKE :stems OR :doubled RLIKE :words, FALSE)",
        name=name, single=single, doubled=doubled,
        stems="_" + _alternatives(list(FORBIDDEN_STEMS)),
        words="_" + _alternatives(list(FORBIDDEN_WORDS)) + "_",
    )  # fmt: skip


_BUILDERS: dict[str, Callable[..., exp.Expression]] = {
    "compact_code": compact_code,
    "uscc_valid": uscc_valid,
    "ric_valid_but_region": ric_valid_but_region,
    "birth_year": birth_year,
    "shown_code": shown_code,
    "forbidden_category": forbidden_category,
}


@functools.cache
def printed(check: str, dialect: str, *columns: str) -> str:
    """A check over named columns (``t.code``) as SQL text of ``dialect``, built once per
    process: building and printing the trees takes milliseconds, a posted row's budget."""
    args = [exp.column(*reversed(name.split("."))) for name in columns]
    return _BUILDERS[check](*args).sql(dialect)
