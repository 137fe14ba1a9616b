"""When a record stops counting: ``valid_for`` and the severity tier, whichever ends first.

``record_expiry`` is the rule itself. ``valid_after`` turns it around for one as-of day: the
latest occurrence date that has already expired, so the plan can test ``occurred_at >
valid_after`` per row instead of doing calendar arithmetic on every record. Expiry never moves
backwards as the occurrence date moves forward (month ends clamp, they never wrap), which is
what makes the search below exact.
"""

from __future__ import annotations

from datetime import date

from credence.rules.duration import SEVERITY_LIMITS
from credence.rules.spec import Requirement

_SEARCH_DAYS = 366 * 120  # further back than any window the validator allows


def record_expiry(requirement: Requirement, occurred: date) -> date | None:
    """The first day a record of ``occurred`` no longer counts (None: it never expires)."""
    ends = []
    if requirement.valid_for is not None:
        ends.append(requirement.valid_for.add_to(occurred))
    if requirement.severity is not None:
        ends.append(SEVERITY_LIMITS[requirement.severity].add_to(occurred))
    return min(ends) if ends else None


def valid_after(requirement: Requirement, as_of: date) -> date | None:
    """The latest occurrence date whose record has expired by ``as_of`` (None: none expire).

    A record counts on ``as_of`` exactly when ``valid_after < occurred_at <= as_of``.
    """
    if record_expiry(requirement, as_of) is None:
        return None
    low = as_of.toordinal() - _SEARCH_DAYS  # assumed expired (checked below)
    high = as_of.toordinal()  # never expired: durations are positive
    if not _expired(requirement, low, as_of):
        return date.fromordinal(low)
    while high - low > 1:
        middle = (low + high) // 2
        if _expired(requirement, middle, as_of):
            low = middle
        else:
            high = middle
    return date.fromordinal(low)


def _expired(requirement: Requirement, ordinal: int, as_of: date) -> bool:
    end = record_expiry(requirement, date.fromordinal(ordinal))
    return end is not None and end <= as_of
