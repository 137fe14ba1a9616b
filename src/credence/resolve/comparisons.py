"""Splink comparisons for each kind of field, written as DuckDB SQL over the derived keys.

Names are lists (a subject's name and its former names): a level holds when any value on one
side and any value on the other satisfy it. Each level starts from a prior m probability, so a
model is usable before EM has data enough to move it.
"""

from __future__ import annotations

from typing import Any

from credence.resolve.config import FieldSpec


def _level(condition: str, label: str, m: float) -> dict[str, Any]:
    return {"sql_condition": condition, "label_for_charts": label, "m_probability": m}


def _null(column: str) -> dict[str, Any]:
    return {
        "sql_condition": f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        "label_for_charts": "missing",
        "is_null_level": True,
    }


def _else(m: float) -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "different", "m_probability": m}


def any_pair(column: str, test: str) -> str:
    """True when some value of the left list and some of the right satisfy ``test(a, b)``."""
    inner = f'list_bool_or(list_transform("{column}_r", lambda b: {test}))'
    return f'coalesce(list_bool_or(list_transform("{column}_l", lambda a: {inner})), false)'


def _any_equal(column: str) -> str:
    return f'list_has_any("{column}_l", "{column}_r")'


def _name_levels(f: str) -> list[dict[str, Any]]:
    return [
        _null(f),
        _level(_any_equal(f), "same name", 0.80),
        _level(_any_equal(f"{f}_pinyin"), "same pinyin", 0.08),
        _level(any_pair(f, "levenshtein(a, b) <= 1"), "one character apart", 0.05),
        _level(any_pair(f"{f}_pinyin", "jaro_winkler_similarity(a, b) >= 0.9"),
               "pinyin similar", 0.04),
        _else(0.03),
    ]  # fmt: skip


def _firm_levels(f: str) -> list[dict[str, Any]]:
    shortened = (
        "(starts_with(a, b) OR starts_with(b, a) OR contains(a, b) OR contains(b, a)) "
        "AND least(length(a), length(b)) >= 2"
    )
    return [
        _null(f),
        _level(_any_equal(f"{f}_full"), "same registered name", 0.40),
        _level(_any_equal(f), "same name without place and legal form", 0.22),
        _level(_any_equal(f"{f}_pinyin"), "same pinyin", 0.10),
        _level(any_pair(f, "levenshtein(a, b) <= 1 AND least(length(a), length(b)) >= 3"),
               "one character apart", 0.08),
        _level(any_pair(f, shortened), "one name shortens the other", 0.08),
        _level(any_pair(f"{f}_pinyin", "jaro_winkler_similarity(a, b) >= 0.88"),
               "pinyin similar", 0.05),
        _else(0.07),
    ]  # fmt: skip


def _date_levels(f: str) -> list[dict[str, Any]]:
    left, right = f'"{f}_l"', f'"{f}_r"'
    swapped = (
        f"substr({left}, 1, 4) = substr({right}, 1, 4) AND substr({left}, 6, 2) = "
        f"substr({right}, 9, 2) AND substr({left}, 9, 2) = substr({right}, 6, 2)"
    )
    near = f"abs(date_diff('day', TRY_CAST({left} AS DATE), TRY_CAST({right} AS DATE))) <= 1"
    return [
        _null(f),
        _level(f"{left} = {right}", "same day", 0.88),
        _level(f"({swapped}) OR coalesce({near}, false)",
               "a day apart, or day and month swapped", 0.06),
        _level(f"levenshtein({left}, {right}) <= 1", "one digit apart", 0.03),
        _else(0.03),
    ]  # fmt: skip


def _address_levels(f: str) -> list[dict[str, Any]]:
    left, right = f'"{f}_l"', f'"{f}_r"'
    return [
        _null(f),
        _level(f"{left} = {right}", "same address", 0.70),
        _level(f'"{f}_street_l" = "{f}_street_r"', "same street and number", 0.10),
        _level(f"jaro_winkler_similarity({left}, {right}) >= 0.9", "similar address", 0.08),
        _else(0.12),
    ]


def _number_levels(f: str) -> list[dict[str, Any]]:
    left, right = f'"{f}_l"', f'"{f}_r"'
    return [
        _null(f),
        _level(f"{left} = {right}", "same number", 0.90),
        _level(f"levenshtein({left}, {right}) <= 1", "one character apart", 0.06),
        _else(0.04),
    ]


def _fuzzy_levels(spec: FieldSpec) -> list[dict[str, Any]]:
    f = spec.field
    left, right = f'"{f}_l"', f'"{f}_r"'
    levels = [_null(f), _level(f"{left} = {right}", "exact", 0.8)]
    thresholds = spec.levels()
    share = 0.15 / max(len(thresholds), 1)
    for t in thresholds:
        if spec.compare == "levenshtein":
            condition, label = f"levenshtein({left}, {right}) <= {int(t)}", f"distance <= {int(t)}"
        else:
            func = "jaro_similarity" if spec.compare == "jaro" else "jaro_winkler_similarity"
            condition, label = f"{func}({left}, {right}) >= {t}", f"{spec.compare} >= {t}"
        levels.append(_level(condition, label, share))
    levels.append(_else(0.05))
    return levels


def comparison(spec: FieldSpec) -> dict[str, Any]:
    """The Splink comparison (as a settings dict) of one field."""
    f = spec.field
    if spec.compare == "name":
        levels = _name_levels(f)
    elif spec.compare == "firm_name":
        levels = _firm_levels(f)
    elif spec.compare == "date":
        levels = _date_levels(f)
    elif spec.compare == "address":
        levels = _address_levels(f)
    elif spec.compare in ("identity_number", "legacy_number"):
        levels = _number_levels(f)
    elif spec.compare == "exact":
        levels = [_null(f), _level(f'"{f}_l" = "{f}_r"', "same", 0.9), _else(0.1)]
    else:
        levels = _fuzzy_levels(spec)
    return {
        "output_column_name": f,
        "comparison_description": f"{f} compared as {spec.compare}",
        "comparison_levels": levels,
    }
