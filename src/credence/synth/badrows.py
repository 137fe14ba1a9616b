"""Deliberately bad rows: each breaks exactly one check, so its quarantine reason is known.

A bad row is an extra copy of a real event with its own key, damaged in one way; the good data
(and so the ground truth) is the same with or without them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Final

from credence.synth.layout import SourceSpec

BAD_SHARE: Final = 0.005

# Every quarantine reason the ingest knows, in the order the manifest lists them.
REASONS: Final = (
    "bad_check_digit",
    "unparseable_date",
    "future_date",
    "unknown_kind",
    "missing_consent",
    "forbidden_category",
    "wrong_type",
    "missing_field",
    "missing_subject_code",
)
_UNPARSEABLE_DATES: Final = ("2023-13-45", "yesterday", "31/02/20xx")
_FORBIDDEN_VALUES: Final = ("religion", "ethnicity", "health")
_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_RIC_CHECKS: Final = "0123456789X"


def applicable_reasons(spec: SourceSpec) -> list[str]:
    """The reasons a row of this source can be bad for, given its columns and format."""
    lay = spec.layout
    usable = {
        "unknown_kind": lay.kind is not None,
        "missing_consent": spec.consent_required and lay.consent is not None,
        "forbidden_category": lay.category is not None,
        "wrong_type": lay.amount is not None and spec.fmt != "parquet",  # typed column
    }
    return [reason for reason in REASONS if usable.get(reason, True)]


def bad_count(spec: SourceSpec, good_rows: int) -> int:
    """About half a percent, but one of each reason where the source is big enough."""
    if good_rows == 0:
        return 0
    wanted = max(len(applicable_reasons(spec)), round(good_rows * BAD_SHARE))
    return min(wanted, good_rows // 5)


def flip_check(code: str, rng: random.Random) -> str:
    """The same code with a wrong check character."""
    alphabet = _RIC_CHECKS if code[:-1].isdigit() else _USCC_ALPHABET
    return code[:-1] + rng.choice([c for c in alphabet if c != code[-1]])


def future_day(end: date, rng: random.Random) -> date:
    """A day decades after the end date: in the future whenever the data is ingested."""
    return date(end.year + 30, end.month, min(end.day, 28)) + timedelta(days=rng.randint(0, 300))


def corrupt(
    spec: SourceSpec, row: dict[str, Any], reason: str, seq: int, end: date, rng: random.Random
) -> dict[str, Any]:
    """A copy of ``row`` broken for ``reason`` and nothing else."""
    lay = spec.layout
    bad = dict(row)
    if reason == "bad_check_digit":
        bad[lay.code] = flip_check(str(row[lay.code]), rng)
        for column in lay.hints.values():  # no name to resolve by: the code is all there is
            bad[column] = None
    elif reason == "unparseable_date":
        bad[lay.date] = rng.choice(_UNPARSEABLE_DATES)
    elif reason == "future_date":
        bad[lay.date] = spec.format_date(future_day(end, rng), seq)
    elif reason == "unknown_kind":
        assert lay.kind is not None
        bad[lay.kind] = "OTHER" if lay.kind_values else "other.unmapped"
    elif reason == "missing_consent":
        assert lay.consent is not None
        bad[lay.consent] = None
    elif reason == "forbidden_category":
        assert lay.category is not None
        bad[lay.category] = rng.choice(_FORBIDDEN_VALUES)
    elif reason == "wrong_type":
        assert lay.amount is not None
        bad[lay.amount] = rng.choice(("abc", "一千二", "12,5O"))
    elif reason == "missing_field":
        columns = [lay.date] + ([lay.kind] if lay.kind else [])
        bad[rng.choice(columns)] = None
    elif reason == "missing_subject_code":
        bad[lay.code] = None
        for column in lay.hints.values():
            bad[column] = None
    else:
        raise ValueError(f"unknown bad-row reason {reason!r}")
    return bad


def pick_reasons(spec: SourceSpec, count: int, rng: random.Random) -> list[str]:
    """``count`` reasons: each applicable one once first, then any at random."""
    usable = applicable_reasons(spec)
    rng.shuffle(usable)
    chosen = usable[:count]
    chosen += [rng.choice(usable) for _ in range(count - len(chosen))]
    return chosen
