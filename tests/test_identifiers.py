"""Identifiers: generated codes validate, junk says no (never raises), numbers are masked."""

from __future__ import annotations

import random
from datetime import date

import pytest

from credence.identifiers import (
    compact,
    generate_ric,
    generate_uscc,
    guess_kind,
    is_valid_code,
    is_valid_ric,
    is_valid_uscc,
    mask,
)

JUNK: list[object] = [None, "", "   ", "\U0001f600" * 18, b"110101199003070011", 110101199003070011,
                      ["110101199003070011"], "not a code", "11010119900307001"]


def _wrong_check(code: str, alphabet: str) -> str:
    """The same code with another character in the check position."""
    return code[:-1] + next(c for c in alphabet if c != code[-1])


def test_generated_codes_are_valid() -> None:
    rng = random.Random(7)
    for _ in range(200):
        person, org = generate_ric(rng), generate_uscc(rng)
        assert len(person) == 18 and is_valid_ric(person) and guess_kind(person) == "person"
        assert len(org) == 18 and is_valid_uscc(org) and guess_kind(org) == "organization"
        assert is_valid_code("person", person) and is_valid_code("organization", org)
        assert not is_valid_code("robot", person)


def test_generation_is_reproducible_and_keeps_the_birth_date() -> None:
    assert generate_ric(random.Random(1)) == generate_ric(random.Random(1))
    code = generate_ric(random.Random(2), birth=date(1990, 3, 7))
    assert code[6:14] == "19900307" and is_valid_ric(code)


@pytest.mark.parametrize("value", JUNK)
def test_junk_is_not_valid(value: object) -> None:
    assert is_valid_ric(value) is False
    assert is_valid_uscc(value) is False
    assert guess_kind(value) is None
    assert is_valid_code("person", value) is False
    assert is_valid_code("organization", value) is False


def test_wrong_check_character_is_not_valid() -> None:
    rng = random.Random(3)
    for _ in range(50):
        person, org = generate_ric(rng), generate_uscc(rng)
        assert not is_valid_ric(_wrong_check(person, "0123456789X"))
        assert not is_valid_uscc(_wrong_check(org, "0123456789ABCDEFGHJKLMNPQRTUWXY"))


def test_mask_keeps_region_and_check_digit_only() -> None:
    assert mask("110101199003070011") == "110101***********1"
    assert mask(" 110101199003070011 ") == "110101***********1"
    code = generate_ric(random.Random(4), birth=date(1985, 12, 1))
    masked = mask(code)
    assert "19851201" not in masked and masked[:6] == code[:6] and masked[-1] == code[-1]
    assert mask("12345") == "*****"
    assert mask("") == ""


def test_compact_is_the_canonical_spelling() -> None:
    org = generate_uscc(random.Random(5))
    spaced = f"{org[:6].lower()} {org[6:12]}-{org[12:]}"
    assert compact(spaced) == org
    assert is_valid_uscc(compact(spaced))
