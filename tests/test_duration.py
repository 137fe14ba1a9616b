"""ISO 8601 durations: parsing, canonical spelling, calendar arithmetic clamped to month ends."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credence.rules.duration import FIVE_YEARS, SEVERITY_LIMITS, Duration


@pytest.mark.parametrize(
    ("text", "months", "days", "iso"),
    [
        ("P3Y", 36, 0, "P3Y"),
        ("P6M", 6, 0, "P6M"),
        ("P1Y6M", 18, 0, "P1Y6M"),
        ("P18M", 18, 0, "P1Y6M"),
        ("P90D", 0, 90, "P90D"),
        ("P2W", 0, 14, "P14D"),
        ("P1Y2M3W4D", 14, 25, "P1Y2M25D"),
        (" p3y ", 36, 0, "P3Y"),
        ("P0D", 0, 0, "P0D"),
    ],
)
def test_parse(text: str, months: int, days: int, iso: str) -> None:
    duration = Duration.parse(text)
    assert (duration.months, duration.days) == (months, days)
    assert duration.iso() == str(duration) == iso
    assert Duration.parse(duration.iso()) == duration


@pytest.mark.parametrize("text", ["", "P", "3Y", "P3X", "PT3H", "P1DT2H", "P-1Y", "P1.5Y",
                                  "P3D2M", "P 3Y", "three years"])
def test_bad_strings_raise(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        Duration.parse(text)


@pytest.mark.parametrize("value", [None, 3, b"P3Y"])
def test_non_text_raises_value_error(value: object) -> None:
    with pytest.raises(ValueError):
        Duration.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "text", "end"),
    [
        (date(2023, 1, 31), "P1M", date(2023, 2, 28)),
        (date(2024, 1, 31), "P1M", date(2024, 2, 29)),
        (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),
        (date(2024, 2, 29), "P4Y", date(2028, 2, 29)),
        (date(2023, 3, 31), "P1M", date(2023, 4, 30)),
        (date(2023, 12, 15), "P1M", date(2024, 1, 15)),
        (date(2023, 1, 31), "P1M1D", date(2023, 3, 1)),
        (date(2023, 1, 1), "P90D", date(2023, 4, 1)),
        (date(2023, 1, 1), "P2W", date(2023, 1, 15)),
        (date(2020, 6, 30), "P5Y", date(2025, 6, 30)),
    ],
)
def test_add_to_clamps_to_the_month_end(start: date, text: str, end: date) -> None:
    assert Duration.parse(text).add_to(start) == end


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.integers(0, 120), st.integers(0, 400))
def test_add_to_never_goes_back(start: date, months: int, days: int) -> None:
    end = Duration(months, days).add_to(start)
    assert end >= start
    assert (end - start).days >= days
    if days == 0:
        assert end.day <= start.day and (end.year * 12 + end.month) - (
            start.year * 12 + start.month
        ) == months


def test_limits() -> None:
    assert Duration.parse("P5Y").approx_days() == FIVE_YEARS.approx_days()
    assert Duration.parse("P5Y1D").approx_days() > FIVE_YEARS.approx_days()
    assert Duration.parse("P1826D").approx_days() <= FIVE_YEARS.approx_days()
    assert [SEVERITY_LIMITS[s].iso() for s in ("minor", "general", "serious")] == [
        "P3M", "P1Y", "P3Y"
    ]
