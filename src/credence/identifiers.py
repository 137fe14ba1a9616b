"""Subject identifiers: a thin layer over python-stdnum.

Organisations carry the Unified Social Credit Code (GB 32100-2015) and people the resident
identity number (GB 11643-1999). Validation never raises on junk: it says no.
"""

from __future__ import annotations

import functools
import random
import re
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


# Codes already in their compact form skip python-stdnum's separator cleaning, which is most of
# its cost; the checks themselves are stdnum's, and a property test holds both paths equal.
_COMPACT_RIC = re.compile(r"^[0-9]{17}[0-9X]$")
_COMPACT_USCC = re.compile(r"^[0-9]{8}[0-9A-Z]{10}$")


def is_valid_uscc(value: object) -> bool:
    """True for a Unified Social Credit Code with a correct check character."""
    text = _as_text(value)
    if text is None:
        return False
    if _COMPACT_USCC.match(text):
        if any(c not in _USCC_ALPHABET for c in text[8:]):
            return False
        return bool(uscc.calc_check_digit(text) == text[-1])
    return bool(uscc.is_valid(text))


def is_valid_ric(value: object) -> bool:
    """True for a resident identity number with a correct check digit, date and region."""
    text = _as_text(value)
    if text is None:
        return False
    if _COMPACT_RIC.match(text):
        if ric.calc_check_digit(text) != text[-1]:
            return False
        try:
            born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        except ValueError:
            return False
        return _region_existed(text[:6], born.year)
    try:
        return bool(ric.is_valid(text))
    except KeyError:  # python-stdnum's region table has entries without a county
        return False


@functools.lru_cache(maxsize=65536)
def _region_existed(region: str, year: int) -> bool:
    """stdnum's birth-place check, which depends only on the region code and the birth year."""
    probe = f"{region}{year:04d}01010000"
    try:
        ric.get_birth_place(probe)
    except (ric.InvalidComponent, ValueError, KeyError):  # KeyError: a region stdnum half-knows
        return False
    return True


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


def shown_code(kind: str | None, code: str, reveal: bool = False) -> str:
    """A subject code as displayed: a person's identity number masked unless ``reveal``."""
    return code if reveal or kind != "person" else mask(code)


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
