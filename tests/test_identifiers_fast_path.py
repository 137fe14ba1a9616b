"""The compact-form fast path of the validators gives exactly python-stdnum's answers."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from credence.identifiers import generate_ric, generate_uscc, is_valid_ric, is_valid_uscc

DIGITS = "0123456789"
USCC_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@st.composite
def near_codes(draw: st.DrawFn) -> str:
    """Valid codes and small mutations of them: a changed character, a cut, junk."""
    rng = random.Random(draw(st.integers(0, 10**6)))
    code = generate_ric(rng) if draw(st.booleans()) else generate_uscc(rng)
    where = draw(st.integers(0, len(code) - 1))
    mutation = draw(st.sampled_from(["none", "char", "cut", "lower", "space"]))
    if mutation == "char":
        code = code[:where] + draw(st.sampled_from(USCC_CHARS + "X")) + code[where + 1 :]
    elif mutation == "cut":
        code = code[:where]
    elif mutation == "lower":
        code = code.lower()
    elif mutation == "space":
        code = code[:where] + " " + code[where:]
    return code


@settings(max_examples=500, deadline=None)
@given(code=near_codes() | st.text(alphabet=DIGITS + "X", min_size=18, max_size=18))
def test_fast_path_agrees_with_stdnum(code: str) -> None:
    assert is_valid_ric(code) == _stdnum_ric(code)
    assert is_valid_uscc(code) == bool(uscc.is_valid(code))


def _stdnum_ric(code: str) -> bool:
    """stdnum's answer; a KeyError (regions it lists without a county) counts as no."""
    try:
        return bool(ric.is_valid(code))
    except KeyError:
        return False


def test_a_region_stdnum_half_knows_says_no_instead_of_raising() -> None:
    body = "61889475780101000"
    code = body + ric.calc_check_digit(body + "0")
    assert is_valid_ric(code) is False
    assert is_valid_ric(" " + code) is False


def test_region_and_birth_date_are_still_checked() -> None:
    good = generate_ric(random.Random(1))
    assert is_valid_ric(good)
    unknown_region = "999999" + good[6:17]
    assert not is_valid_ric(unknown_region + ric.calc_check_digit(unknown_region + "0"))
    bad_date = good[:10] + "1345" + good[14:17]
    assert not is_valid_ric(bad_date + ric.calc_check_digit(bad_date + "0"))
