"""ISO 8601 durations (``P3Y``, ``P6M``, ``P1Y6M``, ``P90D``, ``P2W``) as months and days.

Months and days are kept apart because they do not convert: adding ``P1M`` to 31 January gives
28 (or 29) February on every engine, and the explainer adds them the same way.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True, order=True)
class Duration:
    """A calendar duration: whole months first, then whole days."""

    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``PnYnMnWnD``; raise ValueError with the text on anything else."""
        match = _PATTERN.match(text.strip().upper()) if isinstance(text, str) else None
        if not match or not any(match.groups()):
            raise ValueError(f"not an ISO 8601 duration like P3Y, P6M or P90D: {text!r}")
        years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
        return cls(months=years * 12 + months, days=weeks * 7 + days)

    def add_to(self, start: date) -> date:
        """``start`` plus this duration, months first with the day clamped to the month's end."""
        total = start.year * 12 + (start.month - 1) + self.months
        year, month = divmod(total, 12)
        last = calendar.monthrange(year, month + 1)[1]
        moved = date(year, month + 1, min(start.day, last))
        return moved + timedelta(days=self.days)

    def approx_days(self) -> float:
        """Average length in days, for limits such as 'at most five years'."""
        return self.months * 30.436875 + self.days

    def iso(self) -> str:
        """The canonical ISO 8601 spelling."""
        years, months = divmod(self.months, 12)
        text = "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")
        text += f"{self.days}D" if self.days else ""
        return text if text != "P" else "P0D"

    def __str__(self) -> str:
        return self.iso()


FIVE_YEARS = Duration(months=60)

# Publicity tiers of negative records (docs/records.md): how long they count at most, and the
# minimum time before credit repair may be asked for.
SEVERITY_LIMITS: dict[str, Duration] = {
    "minor": Duration(months=3),
    "general": Duration(months=12),
    "serious": Duration(months=36),
}
REPAIR_AFTER: dict[str, Duration] = {
    "minor": Duration(),
    "general": Duration(months=3),
    "serious": Duration(months=12),
}
