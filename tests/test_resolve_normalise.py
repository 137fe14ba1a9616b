"""Normalisation: the spellings of one subject meet on one key; junk says no, never raises."""

from __future__ import annotations

import doctest
from datetime import date

import pytest

from credence.resolve import normalise as nz

PLACES = ("澜城市", "澜城", "东湖区", "东湖")


def test_module_examples_hold() -> None:
    assert doctest.testmod(nz).failed == 0


@pytest.mark.parametrize(
    "spelling",
    ["王晓明", "王曉明", " 王 晓明 ", "Wang Xiaoming", "XIAOMING WANG", "xiaoming wang"],
)
def test_a_person_name_has_one_pinyin_key(spelling: str) -> None:
    assert nz.person_pinyin(spelling) == "wang xiaoming"


def test_person_keys_keep_characters_and_sort_latin_words() -> None:
    assert nz.person_key("張偉") == "张伟"
    assert nz.person_key("Smith, John") == nz.person_key("john SMITH") == "john smith"
    assert nz.person_key("José Álvarez") == "alvarez jose"
    assert nz.person_pinyin("曾小明") == "xiaoming zeng"  # the surname reading, not "ceng"
    assert nz.person_pinyin("王晓明") == nz.person_pinyin("王小明")  # a homophone typo


@pytest.mark.parametrize(
    "spelling",
    ["澜城恒瑞商贸有限公司", "恒瑞商贸有限责任公司", "瀾城恆瑞商貿股份有限公司", "恒瑞商贸",
     "东湖区恒瑞商贸公司", "澜城市 恒瑞商贸（有限公司）"],
)  # fmt: skip
def test_firm_spellings_share_a_core(spelling: str) -> None:
    assert nz.firm_core(spelling, PLACES) == "恒瑞商贸"


def test_firm_pinyin_reads_latin_registers() -> None:
    for spelling in ("Lancheng Hengrui Shangmao Co., Ltd.", "HENGRUI SHANGMAO YOUXIAN GONGSI",
                     "Hengrui Shangmao Company Limited"):  # fmt: skip
        assert nz.firm_pinyin(nz.firm_core(spelling, PLACES)) == "hengruishangmao"
    assert nz.firm_pinyin("恒锐商贸") == "hengruishangmao"  # sounds the same
    assert nz.firm_full("瀾城恆瑞商貿有限公司") == "澜城恒瑞商贸有限公司"
    assert nz.firm_core("Mexico Trading Co", ()) == "mexicotrading"  # "co" only as a word


def test_addresses_and_streets() -> None:
    spellings = ["澜城市东湖区人民路12号", "东湖区人民路１２#", "瀾城市東湖區人民路12號"]
    assert {nz.address_key(s, PLACES) for s in spellings} == {"人民路12"}
    assert nz.street_key("东湖区人民路12") == "人民路12"
    assert nz.address_key("12 Smith Street, Springfield") == "12 smith st springfield"
    assert nz.street_key("12 smith st springfield") == "12 smith"
    assert nz.street_key("no number here") is None


def test_dates_numbers_and_junk() -> None:
    for spelling in ("1990-03-07", "1990/3/7", "19900307", "1990年3月7日", "07.03.1990"):
        assert nz.iso_date(spelling) == "1990-03-07"
    assert nz.iso_date(date(1990, 3, 7)) == "1990-03-07"
    assert nz.iso_date("07/03/1990", ["%m/%d/%Y"]) == "1990-07-03"
    assert nz.iso_date("2023-13-45") is None
    assert nz.number_key(" 1101-0120 0000 12x") == "11010120000012X"
    assert nz.text_of(12.0) == "12" and nz.text_of(float("nan")) is None
    for junk in (None, "", "   ", b"bytes", [], True):
        assert nz.person_key(junk) is None
        assert nz.firm_core(junk) is None
        assert nz.address_key(junk) is None
        assert nz.iso_date(junk) is None
        assert nz.number_key(junk) is None
