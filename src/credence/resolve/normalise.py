"""Normalise the values resolution compares: names, firm names, addresses, dates, numbers.

Local databases spell the same subject many ways: traditional or simplified characters,
full-width digits, pinyin instead of characters, a legal form written out or left off, the city
in front of a firm's name or not. Each function here maps those spellings to one key, so the
comparisons only have to deal with real differences (typos, abbreviations, old names).
Junk (None, numbers, empty text) never raises: it gives None.

>>> person_key('張 曉明')
'张晓明'
>>> person_pinyin('王晓明') == person_pinyin('XIAOMING Wang')
True
>>> firm_core('澜城恆瑞商貿有限責任公司', ('澜城',))
'恒瑞商贸'
>>> firm_pinyin(firm_core('Lancheng Hengrui Shangmao Co., Ltd.', ('澜城',)))
'hengruishangmao'
>>> iso_date('1990年3月7日')
'1990-03-07'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")

# Legal forms, longest first: Chinese as written, Latin as separate words (pinyin or English).
_CJK_FORMS = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "分公司", "集团",
    "公司", "合伙企业", "个体工商户",
)  # fmt: skip
_LATIN_FORMS = (
    ("gufen", "youxian", "gongsi"), ("youxian", "zeren", "gongsi"), ("youxian", "gongsi"),
    ("gufen", "gongsi"), ("gongsi",), ("jituan",), ("joint", "stock", "co", "ltd"),
    ("stock", "co", "ltd"), ("joint", "stock", "company"), ("stock", "company"),
    ("company", "limited"), ("co", "ltd"), ("co", "limited"), ("corporation",), ("corp",),
    ("company",), ("limited",), ("ltd",), ("inc",), ("llc",), ("plc",), ("gmbh",), ("co",),
    ("group",),
)  # fmt: skip

# Surnames whose reading differs from the character's everyday reading.
_SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha",
    "盖": "ge", "种": "chong", "乐": "yue", "华": "hua", "任": "ren", "尉": "yu", "缪": "miao",
    "翟": "zhai", "覃": "qin", "召": "shao", "折": "she", "黑": "he", "万": "wan",
}  # fmt: skip

_ROAD = re.compile(r"([^\d]{1,12}?(?:大道|路|街|道|巷|弄|胡同|里))(\d+)")
_LATIN_STREET = re.compile(r"(\d+)\s*([a-z]+)")
_LATIN_ADDRESS_WORDS = {
    "street": "st", "road": "rd", "avenue": "ave", "drive": "dr", "place": "pl", "court": "ct",
    "lane": "ln", "crescent": "cres", "terrace": "tce", "boulevard": "blvd", "highway": "hwy",
    "square": "sq", "parade": "pde", "circuit": "cct", "close": "cl", "north": "n", "south": "s",
    "east": "e", "west": "w", "apartment": "apt", "unit": "u", "flat": "flat",
}  # fmt: skip
_DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日", "%d.%m.%Y", "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
)  # fmt: skip


@functools.cache
def _converter() -> object:
    """OpenCC's traditional-to-simplified converter, built on first use (it reads dictionaries)."""
    from opencc import OpenCC

    return OpenCC("t2s")


@functools.cache
def _traditional() -> frozenset[str]:
    """Every character OpenCC's t2s dictionaries start from: text without any is left as it
    is, so most text (already simplified) skips the converter."""
    import opencc

    folder = Path(opencc.__file__).parent / "dictionary"
    chars: set[str] = set()
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            chars.update(line.split("\t", 1)[0])
    return frozenset(chars)


def has_cjk(text: str) -> bool:
    """True when the text holds a Chinese character."""
    return _CJK.search(text) is not None


def text_of(value: object) -> str | None:
    """The value as stripped text, or None for nothing, junk and empty strings."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if value != value:  # NaN from a typed column
            return None
        value = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text or None


def simplified(text: str) -> str:
    """Full-width forms folded (NFKC), traditional characters made simplified, Latin lower-case
    without accents."""
    folded = unicodedata.normalize("NFKC", text)
    if has_cjk(folded) and not _traditional().isdisjoint(folded):
        folded = str(_converter().convert(folded))  # type: ignore[attr-defined]
    decomposed = unicodedata.normalize("NFKD", folded.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(value: object) -> list[str]:
    """The words of a value after :func:`simplified`; a run of Chinese characters is one word."""
    text = text_of(value)
    return list(_words(text)) if text else []


@functools.lru_cache(maxsize=200_000)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(simplified(text)))


def clean(value: object) -> str | None:
    """Words joined by one space: the key of plain text compared as a whole."""
    found = words(value)
    return " ".join(found) if found else None


@functools.lru_cache(maxsize=200_000)
def _syllables(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(s.replace("ü", "v") for s in lazy_pinyin(text))


def _pinyin_word(word: str, surname_first: bool = False) -> str:
    """A word in toneless pinyin (Latin words unchanged); a surname keeps its surname reading."""
    if not has_cjk(word):
        return word
    if surname_first and word[0] in _SURNAME_READINGS:
        return _SURNAME_READINGS[word[0]] + "".join(_syllables(word[1:]))
    return "".join(_syllables(word))


# -- people ---------------------------------------------------------------------------------


def person_key(value: object) -> str | None:
    """A personal name as written: Chinese characters run together, Latin words in sorted order
    (so "Smith John" and "John Smith" agree)."""
    found = words(value)
    if not found:
        return None
    if all(has_cjk(w) for w in found):
        return "".join(found)
    return " ".join(sorted(found))


def person_pinyin(value: object) -> str | None:
    """A personal name in pinyin, surname and given name as two words in sorted order, so the
    characters, their traditional forms, homophones and a Latin spelling in either order agree."""
    found = words(value)
    if not found:
        return None
    if len(found) == 1 and has_cjk(found[0]) and len(found[0]) >= 2:
        name = found[0]
        parts = [_pinyin_word(name[0], surname_first=True), _pinyin_word(name[1:])]
    else:
        parts = [_pinyin_word(w, surname_first=i == 0) for i, w in enumerate(found)]
    return " ".join(sorted(p for p in parts if p))


# -- firms ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _places(place_names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Place names as Chinese keys and as pinyin, longest first."""
    keys = {k for k in (clean(p) for p in place_names) if k}
    keys = {k.replace(" ", "") for k in keys}
    pinyin = {"".join(_pinyin_word(k)) for k in keys}
    by_length = functools.partial(sorted, key=lambda s: (-len(s), s))
    return tuple(by_length(keys)), tuple(by_length(pinyin))


def _strip_forms_latin(found: list[str]) -> list[str]:
    changed = True
    while changed and found:
        changed = False
        for form in _LATIN_FORMS:
            if len(found) > len(form) and tuple(found[-len(form) :]) == form:
                found = found[: -len(form)]
                changed = True
                break
    return found


def _strip_prefixes(text: str, prefixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if text.startswith(prefix) and len(text) - len(prefix) >= 2:
                text = text[len(prefix) :]
                changed = True
                break
    return text


def _strip_suffixes(text: str, suffixes: Sequence[str]) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                text = text[: -len(suffix)]
                changed = True
                break
    return text


def firm_full(value: object) -> str | None:
    """A firm's whole name as one key: simplified, no spaces or punctuation, legal form kept
    (registered names are unique, so the whole name agreeing says more than its core)."""
    found = words(value)
    return "".join(found) if found else None


def firm_core(value: object, place_names: Iterable[str] = ()) -> str | None:
    """A firm's distinctive name: no legal form, no leading place names, no spaces.

    Latin spellings (pinyin or English legal forms) keep Latin letters; :func:`firm_pinyin`
    brings both to the same alphabet.
    """
    found = words(value)
    if not found:
        return None
    keys, pinyin = _places(tuple(place_names))
    if any(has_cjk(w) for w in found):
        text = "".join(found)
        core = _strip_prefixes(_strip_suffixes(text, _CJK_FORMS), keys)
    else:
        core = _strip_prefixes("".join(_strip_forms_latin(found)), pinyin)
    return core or "".join(found)


def firm_pinyin(core: object) -> str | None:
    """A firm core in toneless pinyin without spaces (a Latin core as it is)."""
    text = text_of(core)
    if text is None:
        return None
    return "".join(_pinyin_word(w) for w in words(text)) or None


# -- places, dates, numbers -----------------------------------------------------------------


def address_key(value: object, place_names: Iterable[str] = ()) -> str | None:
    """An address without spaces, punctuation and leading place names; ``#`` read as 号 and
    Latin street words abbreviated (street → st)."""
    text = text_of(value)
    if text is None:
        return None
    found = [_LATIN_ADDRESS_WORDS.get(w, w) for w in words(text.replace("#", "号"))]
    if not found:
        return None
    if any(has_cjk(w) for w in found):
        keys, _pinyin = _places(tuple(place_names))
        joined = _strip_prefixes("".join(found), keys)
        return joined.removesuffix("号") if joined[-2:-1].isdigit() else joined
    return " ".join(found)


def street_key(address: object) -> str | None:
    """The road and house number of a normalised address (人民路12, "12 smith")."""
    text = text_of(address)
    if text is None:
        return None
    found = _ROAD.search(text)
    if found:
        road = found.group(1)
        for cut in ("区", "县", "镇", "市"):  # the district in front of the road
            road = road.rsplit(cut, 1)[-1] if cut in road[:-1] else road
        return f"{road}{found.group(2)}"
    latin = _LATIN_STREET.search(text)
    return f"{latin.group(1)} {latin.group(2)}" if latin else None


def iso_date(value: object, formats: Sequence[str] = ()) -> str | None:
    """A date as ``YYYY-MM-DD``, read with the given strptime formats, else the usual ones."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = text_of(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text)
    for fmt in (*formats, *_DATE_FORMATS):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def number_key(value: object) -> str | None:
    """An identifier without spaces and separators, upper-case (legacy numbers, ids)."""
    text = text_of(value)
    if text is None:
        return None
    key = "".join(_WORD.findall(unicodedata.normalize("NFKC", text))).upper()
    return key or None
