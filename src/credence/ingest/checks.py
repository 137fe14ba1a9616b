"""The row checks, in order: the first that fails gives the row's quarantine reason and field.

0. Before any check, a line that is not a row at all (``readers.py``, ``csv_lines.py``):
   ``bad_encoding`` (bytes not in the declared encoding), ``broken_quote`` and
   ``wrong_field_count`` (CSV); field ``row``, the line number in the detail.
1. ``wrong_type`` (row): a JSON Lines row that is not a JSON object
2. ``too_long``, then ``control_character``: a mapped value over ``bounds.VALUE_CHARS``
   characters, or holding a control character (the API's bounds); field: the column
3. ``missing_field``: record key, kind or occurred_at empty
4. ``unknown_subject_kind``: the subject kind column holds an unmapped value
5. ``missing_subject_code``: no code and no name hint
6. ``bad_check_digit``: a code that fails its check for the row's subject kind
7. ``unknown_kind``: a kind not in the mapping's ``kinds`` (or an unmapped source value)
8. ``unparseable_date``, ``implausible_date`` (before ``bounds.EARLIEST_DAY``), then
   ``future_date`` (after today)
9. ``wrong_type`` (amount): not a finite number
10. ``forbidden_category``: a per-row category on the safeguard list
11. ``missing_consent``: the source needs consent and the row has no consent_ref

Rows with an empty code but a name hint pass with ``subject_code`` NULL (resolved later).
Each check is a SQL condition over the typed row ``t`` with its code and category checked
(``subject_code``, ``code_valid``, ``code_shown``, ``category_forbidden``: ``check_sql.py``);
its detail is a SQL text expression over the same row; see ``plan.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from credence.bounds import EARLIEST_DAY, VALUE_CHARS
from credence.ingest.mapping import SourceMapping
from credence.sql import lit

UNREADABLE_REASONS = ("bad_encoding", "broken_quote", "wrong_field_count")
REASONS = (
    *UNREADABLE_REASONS,
    "wrong_type",
    "too_long",
    "control_character",
    "missing_field",
    "unknown_subject_kind",
    "missing_subject_code",
    "bad_check_digit",
    "unknown_kind",
    "unparseable_date",
    "implausible_date",
    "future_date",
    "forbidden_category",
    "missing_consent",
)


@dataclass(frozen=True)
class Check:
    """One validation: rows where ``condition`` holds are quarantined with this reason."""

    reason: str
    field: str
    condition: str  # SQL over t: true when the row fails
    detail: str  # SQL text over the checked row t: what the value was
    field_sql: str | None = None  # when the field is the row's own (a column's name)

    @property
    def field_expr(self) -> str:
        return self.field_sql if self.field_sql is not None else lit(self.field)


def _text_checks() -> list[Check]:
    """The API's bounds on every mapped value (``plan.py`` names the first column failing)."""
    return [
        Check(
            "too_long",
            "value",
            "t.long_column IS NOT NULL",
            f"'column ' || {_quoted('t.long_column')} || "
            f"{lit(f' holds more than {VALUE_CHARS} characters')}",
            "t.long_column",
        ),
        Check(
            "control_character",
            "value",
            "t.control_column IS NOT NULL",
            f"'column ' || {_quoted('t.control_column')} || ' holds a control character'",
            "t.control_column",
        ),
    ]


def _quoted(expr: str) -> str:
    """SQL for the text ``'value'`` inside a detail message."""
    return f"'''' || {expr} || ''''"


def _subject_checks() -> list[Check]:
    bad_code = (
        "CASE t.subject_kind WHEN 'person' THEN 'identity number ' || t.code_shown"
        " || ' fails its check digit' ELSE 'code ' || t.code_shown"
        " || ' is not a valid unified social credit code' END"
    )
    sk_detail = f"'subject kind ' || coalesce({_quoted('t.sk_raw')}, '(empty)') || ' is not mapped'"
    return [
        Check("unknown_subject_kind", "subject_kind", "t.subject_kind IS NULL", sk_detail),
        Check(
            "missing_subject_code",
            "subject_code",
            "t.code_raw IS NULL AND t.name_hint IS NULL",
            lit("subject code is empty and there is no name hint"),
        ),
        Check(
            "bad_check_digit",
            "subject_code",
            "t.code_raw IS NOT NULL AND NOT t.code_valid",
            bad_code,
        ),
    ]


def _event_checks(mapping: SourceMapping, today: date) -> list[Check]:
    f = mapping.fields
    if f.kind.values:
        kind_detail = f"'event ' || {_quoted('t.kind_raw')} || ' is not mapped to a kind'"
    else:
        kind_detail = f"'kind ' || {_quoted('t.kind_raw')} || ' is not in the source''s kinds'"
    rule = f"in format {f.occurred_at.format}" if f.occurred_at.format else "an ISO date"
    day = today.isoformat()
    return [
        Check("unknown_kind", "kind", "t.kind IS NULL", kind_detail),
        Check(
            "unparseable_date",
            "occurred_at",
            "t.occurred_at IS NULL",
            f"'date ' || {_quoted('t.date_raw')} || {lit(f' is not {rule}')}",
        ),
        Check(
            "implausible_date",
            "occurred_at",
            f"t.occurred_at < {lit(EARLIEST_DAY.isoformat())}::DATE",
            f"'date ' || CAST(t.occurred_at AS VARCHAR) || "
            f"{lit(f' is before {EARLIEST_DAY.isoformat()}, not a plausible day')}",
        ),
        Check(
            "future_date",
            "occurred_at",
            f"t.occurred_at > {lit(day)}::DATE",
            f"'date ' || CAST(t.occurred_at AS VARCHAR) || {lit(f' is after today ({day})')}",
        ),
        Check(
            "wrong_type",
            "amount",
            "t.amount_raw IS NOT NULL AND t.amount IS NULL",
            f"'amount ' || {_quoted('t.amount_raw')} || ' is not a number'",
        ),
    ]


def row_checks(mapping: SourceMapping, today: date) -> list[Check]:
    """Every check that applies to this mapping, in the order they are tried."""
    f = mapping.fields
    checks = [Check("wrong_type", "row", "NOT t.__ok", lit("row is not a JSON object"))]
    checks += _text_checks()
    if f.record_key:
        names = ", ".join(f.record_key)
        checks.append(
            Check(
                "missing_field", "record_key", "t.key_missing", lit(f"record key {names} is empty")
            )
        )
    if f.kind.column is not None:
        empty = lit(f"kind column '{f.kind.column}' is empty")
        checks.append(Check("missing_field", "kind", "t.kind_raw IS NULL", empty))
    empty_date = lit(f"date column '{f.occurred_at.column}' is empty")
    checks.append(Check("missing_field", "occurred_at", "t.date_raw IS NULL", empty_date))
    checks += _subject_checks()
    checks += _event_checks(mapping, today)
    if f.category is not None:
        forbidden = f"'category ' || {_quoted('t.category')} || ' is a forbidden data category'"
        checks.append(
            Check("forbidden_category", "category", "t.category_forbidden", forbidden)
        )
    if mapping.consent_required:
        checks.append(
            Check(
                "missing_consent",
                "consent_ref",
                "t.consent_ref IS NULL",
                lit("consent_ref is empty and this source needs consent"),
            )
        )
    return checks
