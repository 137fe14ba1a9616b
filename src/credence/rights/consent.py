"""Whether a person agreed to be looked at for a purpose: a ``consent.granted`` on record.

The scope must be ``scoring`` (the person agreed to be scored, so to have the score read) or the
purpose itself, granted on or before the day and not withdrawn since (``consents_at``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from credence.model import SCORING_SCOPE
from credence.rules.explain import consents_at


def consent_for_purpose(records: list[dict[str, Any]], purpose: str, day: date) -> bool:
    """True when the subject's own records hold a live consent for ``purpose`` or for scoring."""
    consents = consents_at(records, day)
    return consents.get(SCORING_SCOPE, False) or consents.get(purpose, False)
