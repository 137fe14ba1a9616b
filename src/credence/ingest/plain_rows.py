"""A few JSON Lines rows checked in Python, when every row is plain and passes every check.

Why: one posted record is one row, and DuckDB spends about 9 ms binding and optimising the
chunk's whole check (``pipeline.small_check_sql``) for it, most of a post's budget. For the
plain case, this module computes the very staged rows that statement gives, in well under a
millisecond. Plain means: each mapped value is a string, a boolean, null or a plainly written
number; the date is ISO; the amount a plain decimal; and the row passes every check.

Anything else (a row that fails a check, so its reason and detail are needed, or a value whose
reading by DuckDB is not obviously Python's) makes the whole chunk go to the SQL check, which
stays the definition. ``tests/test_plain_rows.py`` proves the two give the same staged rows.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from credence.bounds import EARLIEST_DAY, VALUE_CHARS
from credence.ingest.codes import check_code
from credence.ingest.plan import ChunkPlan
from credence.ingest.readers import LINE, ROW
from credence.model import is_forbidden_category

_BLANKS = " \t\n\r"  # what the SQL's trim removes
_SEPARATOR = chr(31)  # concat_ws's separator in the record id
# Number texts DuckDB's JSON reading gives back unchanged (integers) or as Python's repr.
_PLAIN_INT = re.compile(r"0|-?[1-9][0-9]{0,17}")
_PLAIN_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,6}")
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?")
_ISO_DAY = re.compile(r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}")
_ISO_FORMATS = (None, "%Y-%m-%d")  # no format (a cast), or strptime's spelling of the same


class _NotPlain(Exception):
    """The row needs the SQL check: it fails a check, or a value is not plain."""


def plain_rows(
    plan: ChunkPlan, chunk: pa.Table, batch_id: str, ingested_at: datetime
) -> list[dict[str, Any]] | None:
    """The staged rows of a JSON Lines chunk (as ``staged_sql`` selects them), or None when
    any row is not plain: then the chunk is checked in SQL."""
    if plan.format != "jsonl":
        return None
    try:
        values = [
            (int(number), _values(plan, line))
            for number, line in zip(chunk[ROW].to_pylist(), chunk[LINE].to_pylist(), strict=True)
            if line is not None and line.rstrip("\r").strip(_BLANKS)
        ]
        category = plan.mapping.fields.category
        # A category joins the safeguard lookup only when some row of the chunk names it.
        named = {str(v[category]) for _, v in values if category is not None and v[category]}
        return [_staged(plan, n, v, named, batch_id, ingested_at) for n, v in values]
    except _NotPlain:
        return None


def _values(plan: ChunkPlan, line: str) -> dict[str, str | None]:
    """Each mapped column's cleaned text, as the SQL extracts it from the line."""
    try:
        found = json.loads(
            line.rstrip("\r"),
            object_pairs_hook=_object,
            parse_int=_int_text,
            parse_float=_float_text,
            parse_constant=_refuse,
        )
    except ValueError as error:  # not JSON: a wrong_type row, told by the SQL
        raise _NotPlain from error
    if not isinstance(found, dict):
        raise _NotPlain
    return {name: _cleaned(found.get(name)) for name in plan.alias}


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):  # a repeated key: which one the SQL reads is its business
        raise _NotPlain
    return found


class _Number(str):
    """A number's text as DuckDB's JSON functions give it back."""


def _int_text(text: str) -> _Number:
    if not _PLAIN_INT.fullmatch(text):
        raise _NotPlain
    return _Number(text)


def _float_text(text: str) -> _Number:
    if not _PLAIN_FLOAT.fullmatch(text):
        raise _NotPlain
    shown = repr(float(text))
    if "e" in shown:
        raise _NotPlain
    return _Number(shown)


def _refuse(_: str) -> Any:
    raise _NotPlain  # NaN and Infinity are not JSON


def _cleaned(value: Any) -> str | None:
    """``NULLIF(trim(json_extract_string(...)), '')`` for a plain value."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    else:  # an object or an array
        raise _NotPlain
    text = text.strip(_BLANKS)
    if len(text) > VALUE_CHARS or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise _NotPlain  # too_long, control_character
    return text or None


def _staged(
    plan: ChunkPlan,
    number: int,
    v: dict[str, str | None],
    categories: set[str],
    batch_id: str,
    ingested_at: datetime,
) -> dict[str, Any]:
    """One good row's staged values; a row failing any check is not plain."""
    m, f = plan.mapping, plan.mapping.fields

    def col(name: str | None) -> str | None:
        return v[name] if name is not None else None

    keys = [col(k) for k in f.record_key or []]
    if any(k is None for k in keys):
        raise _NotPlain  # missing_field
    kind_raw = f.kind.value if f.kind.value is not None else col(f.kind.column)
    date_raw = col(f.occurred_at.column)
    if kind_raw is None or date_raw is None:
        raise _NotPlain  # missing_field
    subject_kind = _subject_kind(plan, col(m.subject_kind.column))
    code_raw, name_hint = col(f.subject_code), col(m.hints.get("name"))
    if subject_kind is None or (code_raw is None and name_hint is None):
        raise _NotPlain  # unknown_subject_kind, missing_subject_code
    subject_code = None
    if code_raw is not None:
        checked = check_code(subject_kind, code_raw)
        if not checked["valid"]:
            raise _NotPlain  # bad_check_digit
        subject_code = checked["code"]
    kind = _kind(plan, kind_raw)
    occurred_at = _day(plan, date_raw)
    if kind is None or occurred_at > plan.today or occurred_at < EARLIEST_DAY:
        raise _NotPlain  # unknown_kind, future_date, implausible_date
    amount = _amount(col(f.amount))
    category = m.category
    if f.category is not None:
        category = col(f.category) or m.category
        if category in categories and is_forbidden_category(category):
            raise _NotPlain  # forbidden_category
    consent_ref = col(f.consent_ref)
    if m.consent_required and consent_ref is None:
        raise _NotPlain  # missing_consent
    hints = _json_object({k: col(c) for k, c in m.hints.items()})
    attributes = _json_object({k: col(c) for k, c in m.attributes.items()})
    if f.record_key:
        parts = [m.source, "key", _SEPARATOR.join(str(k) for k in keys)]
    else:
        parts = [
            m.source, "content", subject_kind, subject_code or "", hints or "", kind,
            occurred_at.isoformat(), "" if amount is None else repr(amount), category,
            attributes or "", consent_ref or "",
        ]  # fmt: skip
    record_id = hashlib.sha256(_SEPARATOR.join(parts).encode("utf-8")).hexdigest()[:32]
    return {
        "record_id": record_id, "source": m.source, "level": m.level, "stream": m.stream,
        "category": category, "subject_kind": subject_kind, "subject_code": subject_code,
        "hints": hints, "kind": kind, "occurred_at": occurred_at, "amount": amount,
        "attributes": attributes, "batch_id": batch_id, "row_number": number,
        "ingested_at": ingested_at, "consent_ref": consent_ref,
        "reason": None, "field": None, "detail": None, "raw": None,
    }  # fmt: skip


def _subject_kind(plan: ChunkPlan, raw: str | None) -> str | None:
    spec = plan.mapping.subject_kind
    if spec.value is not None:
        return spec.value
    if raw is None:
        return None
    if spec.values:
        return spec.values.get(raw)
    if not raw.isascii():  # SQL's lower() and Python's may part ways beyond ASCII
        raise _NotPlain
    lowered = raw.lower()
    return lowered if lowered in ("person", "organization") else None


def _kind(plan: ChunkPlan, raw: str) -> str | None:
    spec = plan.mapping.fields.kind
    if spec.value is not None:
        return spec.value
    if spec.values:
        return spec.values.get(raw)
    return raw if raw in plan.mapping.kinds else None


def _day(plan: ChunkPlan, raw: str) -> date:
    """An ISO day; any other spelling (or another format) is the SQL's to read."""
    if plan.mapping.fields.occurred_at.format not in _ISO_FORMATS or not _ISO_DAY.fullmatch(raw):
        raise _NotPlain
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise _NotPlain from error


def _amount(raw: str | None) -> float | None:
    if raw is None:
        return None
    if not _PLAIN_AMOUNT.fullmatch(raw):
        raise _NotPlain  # perhaps a number DuckDB reads, perhaps wrong_type: the SQL tells
    amount = float(raw)
    if not math.isfinite(amount) or "e" in repr(amount):
        raise _NotPlain
    return amount


def _json_object(pairs: dict[str, str | None]) -> str | None:
    """``json_object(...)::VARCHAR`` of plain text values (no control characters)."""
    if not pairs:
        return None
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))
