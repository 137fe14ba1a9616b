"""valid_after is exactly the boundary of record_expiry, month ends and leap days included."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from credence.rules.spec import Requirement
from credence.rules.validity import record_expiry, valid_after


def _requirement(valid_for: str | None, severity: str | None, points: int) -> Requirement:
    return Requirement.model_validate(
        {"id": "R", "when": {"kind": "a.b"}, "points": points, "valid_for": valid_for,
         "severity": severity, "category": "tax", "legal_basis": "Test Law"}
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    months=st.integers(0, 60),
    days=st.integers(0, 40),
    severity=st.sampled_from([None, "minor", "general", "serious"]),
    as_of=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
)
def test_valid_after_is_the_expiry_boundary(
    months: int, days: int, severity: str | None, as_of: date
) -> None:
    valid_for = f"P{months}M{days}D" if months or days else None
    req = _requirement(valid_for, severity, -5)
    after = valid_after(req, as_of)
    if valid_for is None and severity is None:
        assert after is None
        return
    assert after is not None
    for offset in range(-3, 4):  # around the boundary, both sides
        day = after + timedelta(days=offset)
        if day > as_of:
            continue
        end = record_expiry(req, day)
        assert (day > after) == (end is None or as_of < end), (day, end)


def test_a_year_long_window_ends_on_the_anniversary() -> None:
    req = _requirement("P1Y", None, -5)
    assert valid_after(req, date(2026, 3, 1)) == date(2025, 3, 1)
    assert record_expiry(req, date(2024, 2, 29)) == date(2025, 2, 28)
    assert valid_after(req, date(2025, 2, 28)) == date(2024, 2, 29)


def test_the_severity_tier_shortens_a_longer_window() -> None:
    req = _requirement("P5Y", "minor", -5)
    assert record_expiry(req, date(2026, 1, 31)) == date(2026, 4, 30)
    assert valid_after(req, date(2026, 6, 30)) == date(2026, 3, 31)  # 31 March + 3 months clamps
