"""The ingest's value parsing as SQL that means the same on DuckDB and Spark.

Each engine's own casts accept different texts: Spark's ``CAST('2023' AS DATE)`` is a day and
DuckDB's is not, Java reads ``12d`` as a number, Spark prints ``1.2345678E7`` where DuckDB prints
``12345678.0``. So the shapes a value may take are written once, as anchored regular expressions
both engines evaluate alike, and only a text of that shape reaches the engine's parser, which
then checks the calendar (30 February is no day on either). The plan (``plan.py``) writes its
SQL for DuckDB; ``for_engine`` prints it for Spark through sqlglot, and the few expressions no
transpiler can carry over (dates by pattern, JSON values, a double's text) are written here for
each engine.

A day with a format: the strftime directives ``%Y %m %d %H %M %S %%`` (``SUPPORTED``); day,
month, hour, minute and second take one or two digits, or exactly two where they touch another
number with no separator between. Without a format: ``YYYY-M-D``, optionally followed by a time
(``T`` or a space, ``HH:MM[:SS[.fraction]]``, an optional ``Z`` or offset); the day is the day as
written. An amount: an optional sign, digits with an optional point, an optional exponent.
"""

from __future__ import annotations

import functools
import re

import sqlglot

from credence.errors import IngestError
from credence.sql import lit

Dialect = str  # "duckdb" or "spark"

SUPPORTED = {"Y": "yyyy", "m": "M", "d": "d", "H": "H", "M": "m", "S": "s"}
_WIDTH = {"Y": "[0-9]{4}"}
ISO_DAY = (
    "^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    "([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"
)
ISO_PREFIX = "^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})"
NUMBER = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_SAFE_LITERAL = re.compile(r"[^\]\\^'%]")


def _pieces(fmt: str) -> list[tuple[str, str]]:
    """The format as (kind, text): ("d", "Y") for a directive, ("l", "-") for a literal."""
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(fmt):
        char = fmt[at]
        if char != "%":
            out.append(("l", char))
            at += 1
            continue
        directive = fmt[at + 1 : at + 2]
        if directive == "%":
            out.append(("l", "%"))
        elif directive in SUPPORTED:
            out.append(("d", directive))
        else:
            known = " ".join(f"%{d}" for d in SUPPORTED)
            raise IngestError(
                f"date format {fmt!r}: %{directive} is not supported (use {known} and literal text)"
            )
        at += 2
    return out


def check_format(fmt: str) -> str:
    """``fmt`` when every directive and literal is supported, else an IngestError saying which."""
    for kind, text in _pieces(fmt):
        if kind == "l" and not _SAFE_LITERAL.match(text):
            raise IngestError(f"date format {fmt!r}: the character {text!r} is not supported")
    return fmt


@functools.cache
def format_shapes(fmt: str) -> tuple[str, str]:
    """(the anchored regular expression of texts in ``fmt``, the Java pattern Spark parses)."""
    pieces = _pieces(check_format(fmt))
    regex, java = ["^"], []
    for i, (kind, text) in enumerate(pieces):
        if kind == "l":
            regex.append(f"[{text}]" if not text.isalnum() else text)
            java.append("''" if text == "'" else f"'{text}'" if text.isascii() else text)
            continue
        touching = any(
            0 <= j < len(pieces) and pieces[j][0] == "d" for j in (i - 1, i + 1)
        )
        width = _WIDTH.get(text, "[0-9]{2}" if touching else "[0-9]{1,2}")
        regex.append(width)
        letter = SUPPORTED[text]
        java.append(letter * 2 if touching and len(letter) == 1 else letter)
    regex.append("$")
    return "".join(regex), "".join(java)


def day_expr(column: str, fmt: str | None, dialect: Dialect) -> str:
    """The DATE a text column holds (NULL when it holds none), in ``fmt`` or ISO."""
    if fmt is None:
        day = f"regexp_extract({column}, {lit(ISO_PREFIX)}, 1)"
        shaped = f"regexp_matches({column}, {lit(ISO_DAY)})"
        return f"CASE WHEN {shaped} THEN TRY_CAST({day} AS DATE) END"
    regex, java = format_shapes(fmt)
    if dialect == "spark":
        parsed = f"try_to_timestamp({column}, {lit(java)})"
    else:
        parsed = f"try_strptime({column}, {lit(fmt)})"
    return f"CASE WHEN regexp_matches({column}, {lit(regex)}) THEN CAST({parsed} AS DATE) END"


def amount_expr(column: str) -> str:
    """The finite DOUBLE a text column holds as a plain number, else NULL."""
    value = f"TRY_CAST({column} AS DOUBLE)"
    return (
        f"CASE WHEN regexp_matches({column}, {lit(NUMBER)}) AND {value} - {value} = 0"
        f" THEN {value} END"
    )


def double_text(value: str, dialect: Dialect) -> str:
    """A DOUBLE as DuckDB casts it to text (Python's ``repr``: plain from 1e-4 to 1e16,
    ``1e+16`` beyond), on either engine: the text a content id is hashed from."""
    if dialect != "spark":
        return f"CAST({value} AS VARCHAR)"
    text = f"CAST({value} AS VARCHAR)"  # Java's: 1.2345678E7, 1.0E-5
    parts = "^(-?)([0-9])[.]([0-9]*)E(-?[0-9]+)$"

    def part(i: int) -> str:
        return f"regexp_extract({text}, {lit(parts)}, {i})"

    sign, digits = part(1), f"regexp_replace({part(2)} || {part(3)}, '0+$', '')"
    power = f"CAST({part(4)} AS INTEGER)"
    rest = f"regexp_replace({part(3)}, '0+$', '')"
    above = (
        f"{sign} || rpad({digits}, {power} + 1, '0') || '.' ||"
        f" coalesce(nullif(substr({digits}, {power} + 2), ''), '0')"
    )
    below = f"{sign} || '0.' || repeat('0', -{power} - 1) || {digits}"
    scientific = (
        f"{sign} || {part(2)} || CASE WHEN {rest} = '' THEN '' ELSE '.' || {rest} END || 'e' ||"
        f" CASE WHEN {power} < 0 THEN '-' ELSE '+' END ||"
        f" lpad(CAST(abs({power}) AS VARCHAR), 2, '0')"
    )
    return (
        f"CASE WHEN {text} NOT LIKE '%E%' THEN {text}"
        f" WHEN {power} BETWEEN 0 AND 15 THEN {above}"
        f" WHEN {power} BETWEEN -4 AND -1 THEN {below} ELSE {scientific} END"
    )


def json_object_expr(pairs: dict[str, str], dialect: Dialect) -> str:
    """A JSON object of text values (nulls kept as ``null``) as text, or NULL for no pairs."""
    if not pairs:
        return "CAST(NULL AS VARCHAR)"
    if dialect == "spark":  # the ingest's session keeps null fields (``SESSION_SETTINGS``)
        return f"to_json(named_struct({', '.join(f'{lit(k)}, {v}' for k, v in pairs.items())}))"
    return "json_object(" + ", ".join(f"{lit(k)}, {v}" for k, v in pairs.items()) + ")::VARCHAR"


def for_engine(sql: str, dialect: Dialect) -> str:
    """The plan's SQL (written for DuckDB) as ``dialect`` runs it."""
    if dialect != "spark":
        return sql
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


# Settings the Spark ingest relies on: JSON keeps null fields, as DuckDB's json_object does.
SESSION_SETTINGS = {"spark.sql.jsonGenerator.ignoreNullFields": "false"}
