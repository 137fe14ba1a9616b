"""Subject identifiers: a thin layer over python-stdnum.

Organisations carry the Unified Social Credit Code (GB 32100-2015) and people the resident
identity number (GB 11643-1999). Validation never raises on junk: it says no.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Literal

from stdnum.cn import ric, uscc

SubjectKind = Literal["person", "organization"]

# Region codes that python-stdnum's location database accepts for births 1940-2010.
_REGIONS = ("110101", "110102", "110105", "110106", "110108", "310101", "310104", "310105",
            "310106", "310110", "120101", "120102")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _as_text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value


def is_valid_uscc(value: object) -> bool:
    """True for a Unified Social Credit Code with a correct check character."""
    text = _as_text(value)
    return text is not None and bool(uscc.is_valid(text))


def is_valid_ric(value: object) -> bool:
    """True for a resident identity number with a correct check digit, date and region."""
    text = _as_text(value)
    return text is not None and bool(ric.is_valid(text))


def is_valid_code(kind: str, value: object) -> bool:
    """Validate a subject code for its kind (``person`` or ``organization``)."""
    if kind == "person":
        return is_valid_ric(value)
    if kind == "organization":
        return is_valid_uscc(value)
    return False


def compact(value: str) -> str:
    """Strip spaces and separators, upper-case: the canonical spelling of a code."""
    return str(uscc.compact(value))


def guess_kind(value: object) -> SubjectKind | None:
    """Tell a person's number from an organisation's code, or None when it is neither."""
    if is_valid_ric(value):
        return "person"
    if is_valid_uscc(value):
        return "organization"
    return None


def mask(code: str) -> str:
    """Mask a person's identity number for display: region and check digit only.

    >>> mask('110101199003070011')
    '110101***********1'
    """
    text = code.strip()
    if len(text) != 18:
        return "*" * len(text)
    return text[:6] + "*" * 11 + text[-1]


def generate_ric(rng: random.Random, birth: date | None = None) -> str:
    """A valid resident identity number for synthetic data."""
    born = birth or date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
    body = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + str(ric.calc_check_digit(body + "0"))


def generate_uscc(rng: random.Random) -> str:
    """A valid Unified Social Credit Code for synthetic data."""
    region = rng.choice(_REGIONS)
    org = "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
    body = f"91{region}{org}"
    return body + str(uscc.calc_check_digit(body + "0"))
