"""Small helpers the queries share: masking free text, rows as dicts (a subject code is shown
through ``credence.identifiers.shown_code``, the one masking rule)."""

from __future__ import annotations

import re
from typing import Any

import duckdb

from credence.sql import dict_rows

_RIC_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{11}([\dXx])(?![0-9A-Za-z])")


def mask_text(text: str | None) -> str | None:
    """Mask every identity-number-like run of digits in free text (a quarantined raw row)."""
    if text is None:
        return None
    return _RIC_IN_TEXT.sub(lambda m: m.group(1) + "*" * 11 + m.group(2), text)


def rows_as(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return dict_rows(con.execute(sql, params))
