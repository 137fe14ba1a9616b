"""How older databases spell a subject they know without its code: the hard part of resolution.

Firm names lose or change their legal form, drop the city, are shortened, keep a former name,
carry a typo (often a character that sounds the same), come in traditional characters or in
pinyin; people's names do some of the same; addresses lose the city, change the house-number
sign, go full-width, or are an old address; dates and legacy numbers carry a digit typo or are
missing. Each variant is drawn from the caller's random stream, so a seed gives the same files.
"""

from __future__ import annotations

import functools
import random
from datetime import date, timedelta
from typing import Any

from credence.synth import names
from credence.synth.population import Population, Subject

FORMER_NAME_SHARE = 0.10
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@functools.cache
def _s2t() -> Any:
    from opencc import OpenCC

    return OpenCC("s2t")


@functools.cache
def _homophones() -> dict[str, tuple[str, ...]]:
    """Common characters (GB 2312 level 1) by their reading: the typo of a clerk typing pinyin
    and picking the wrong character."""
    from pypinyin import lazy_pinyin

    common: dict[str, list[str]] = {}
    sound: dict[str, str] = {}
    for point in range(0x4E00, 0x9FA6):
        char = chr(point)
        try:
            lead = char.encode("gb2312")[0]
        except UnicodeEncodeError:
            continue
        sound[char] = lazy_pinyin(char)[0]
        if 0xB0 <= lead <= 0xD7:
            common.setdefault(sound[char], []).append(char)
    found = {c: tuple(o for o in common.get(s, ()) if o != c) for c, s in sound.items()}
    return {c: others for c, others in found.items() if others}


def traditional(text: str) -> str:
    return str(_s2t().convert(text))


def pinyin(text: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [s.replace("ü", "v") for s in lazy_pinyin(text)]


def _typo(rng: random.Random, text: str, start: int = 0) -> str:
    """One character of ``text[start:]`` replaced by one that sounds the same (or, lacking
    one, by another character)."""
    if len(text) <= start:
        return text
    at = rng.randrange(start, len(text))
    sounds = _homophones().get(text[at])
    pool = sounds or tuple(c for c in names.GIVEN if c != text[at])
    return text[:at] + rng.choice(pool) + text[at + 1 :]


def _split_firm(name: str) -> tuple[str, str, str]:
    """(place prefix, core, legal form) of a synthetic firm name."""
    form = next((f for f in names.FIRM_SUFFIXES[::-1] if name.endswith(f)), "")
    body = name.removesuffix(form) if form else name
    places = [names.CITY.removesuffix("市"), *names.district_names().values()]
    place = next((p for p in places if body.startswith(p)), "")
    return place, body.removeprefix(place), form


def _title(syllables: list[str]) -> str:
    return "".join(syllables).capitalize()


def firm_pinyin_name(rng: random.Random, name: str) -> str:
    """The firm as an English-language register writes it: pinyin words, Co., Ltd."""
    place, core, form = _split_firm(name)
    words = [_title(pinyin(core[:2])), _title(pinyin(core[2:]))] if len(core) > 2 else [
        _title(pinyin(core))]  # fmt: skip
    if place and rng.random() < 0.5:
        words.insert(0, _title(pinyin(place)))
    legal = "Co., Ltd." if form != "股份有限公司" else "Stock Co., Ltd."
    return " ".join([*words, legal])


def firm_name_variant(rng: random.Random, subject: Subject) -> str:
    """A firm's name as an older database holds it."""
    name = subject.name
    place, core, form = _split_firm(name)
    draw = rng.random()
    if draw < 0.30:
        return name
    if draw < 0.45:
        return names.name_variant(rng, name)
    if draw < 0.55:
        return core if rng.random() < 0.5 else core[:2] + "公司"
    if draw < 0.65 and subject.former_names:
        return rng.choice(subject.former_names)
    if draw < 0.75:
        return place + _typo(rng, core) + form
    if draw < 0.88:
        return traditional(name)
    return firm_pinyin_name(rng, name)


def person_name_variant(rng: random.Random, name: str) -> str:
    """A person's name as an older database holds it."""
    draw = rng.random()
    if draw < 0.70:
        return name
    if draw < 0.80:
        return traditional(name)
    if draw < 0.92:
        return _typo(rng, name, start=1)  # the given name; surnames are rarely misheard
    surname, given = _title(pinyin(name[0])), _title(pinyin(name[1:]))
    return f"{given} {surname}".upper() if rng.random() < 0.5 else f"{surname} {given}"


def address_variant(rng: random.Random, address: str, district: str) -> str | None:
    """An address as an older database holds it (or none, or where the subject lived before)."""
    draw = rng.random()
    if draw < 0.50:
        return address
    if draw < 0.70:
        return address.removeprefix(names.CITY)
    if draw < 0.80:
        return address.replace("号", "#").translate(_FULL_WIDTH)
    if draw < 0.90:
        return traditional(address)
    if draw < 0.95:
        return None
    return names.address(rng, district)


def date_variant(rng: random.Random, day: date | None) -> str | None:
    """A birth or founding day: mostly right, sometimes a digit off or day and month swapped
    (a day is on every identity document, so it is rarely left out)."""
    if day is None:
        return None
    if rng.random() < 0.9:
        return day.isoformat()
    if day.day <= 12 and day.month != day.day and rng.random() < 0.5:
        return date(day.year, day.day, day.month).isoformat()
    return (day + timedelta(days=rng.choice((-1, 1)))).isoformat()


def legacy_variant(rng: random.Random, legacy_id: str | None) -> str | None:
    """A 15-digit registration number, the key of the older registers: mostly right, one in
    five with a digit mistyped."""
    if legacy_id is None:
        return None
    if rng.random() < 0.80:
        return legacy_id
    at = rng.randrange(len(legacy_id))
    digit = rng.choice([d for d in "0123456789" if d != legacy_id[at]])
    return legacy_id[:at] + digit + legacy_id[at + 1 :]


def hint_variant(rng: random.Random, hint: str, subject: Subject, value: str | None) -> Any:
    """The value of one hint on a row that carries no code."""
    if hint == "name":
        if subject.kind == "organization":
            return firm_name_variant(rng, subject)
        return person_name_variant(rng, subject.name)
    if hint == "address":
        return address_variant(rng, subject.address, subject.district)
    if hint == "birth_date":
        return date_variant(rng, subject.birth or subject.founded)
    if hint == "legacy_id":
        return legacy_variant(rng, subject.legacy_id)
    return value


def assign_former_names(rng: random.Random, population: Population) -> None:
    """Some firms were renamed: the registry keeps their former names."""
    for firm in population.organizations:
        if rng.random() < FORMER_NAME_SHARE:
            industry = firm.industry or names.INDUSTRIES[0][0]
            former = names.firm_name(rng, firm.district, industry)
            if former != firm.name:
                firm.former_names = (former,)
