"""The people and firms of the synthetic city, each with a hidden propensity for trouble.

A subject's ``risk`` is lognormal and scaled by district and industry, so a few subjects collect
many records (the heavy tail) while most stay clean; ``virtue`` drives the positive records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from stdnum.iso7064 import mod_11_10

from credence.identifiers import generate_ric, generate_uscc
from credence.synth import names

# How penalty-prone each industry is compared with the average firm.
_INDUSTRY_RISK = {
    "retail": 0.9,
    "food": 1.3,
    "manufacturing": 1.2,
    "chemical": 1.8,
    "construction": 1.5,
    "logistics": 1.0,
    "services": 0.6,
}
SELF_EMPLOYED_SHARE = 0.08


@dataclass(slots=True)
class Subject:
    """One person or organisation, with what the sources may know about it."""

    code: str
    kind: str  # person | organization
    name: str
    district: str
    address: str
    since: date  # adult, or founded: no record is older
    risk: float
    virtue: float
    birth: date | None = None
    industry: str | None = None
    legacy_id: str | None = None  # 15-digit business registration number of firms
    self_employed: bool = False
    founded: date | None = None  # firms: the day they were registered
    former_names: tuple[str, ...] = ()  # firms renamed: what they were called before


@dataclass(slots=True)
class Population:
    people: list[Subject]
    organizations: list[Subject]

    def all(self) -> list[Subject]:
        return self.people + self.organizations


def _district_picker(rng: random.Random) -> tuple[list[str], list[float]]:
    keys = [key for key, _name, _share, _risk in names.DISTRICTS]
    cum = list(accumulate(share for _key, _name, share, _risk in names.DISTRICTS))
    return keys, cum


def _district_risk(district: str) -> float:
    return next(risk for key, _n, _s, risk in names.DISTRICTS if key == district)


def _unique(make: Callable[[random.Random], str], rng: random.Random, seen: set[str]) -> str:
    """Draw codes until one is new: 200,000 birth dates do collide."""
    while True:
        code = make(rng)
        if code not in seen:
            seen.add(code)
            return code


def _person(rng: random.Random, end: date, district: str, seen: set[str]) -> Subject:
    first_year = max(1945, end.year - 75)
    last_year = min(2005, end.year - 19)
    birth = date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))
    code = _unique(lambda r: generate_ric(r, birth), rng, seen)
    adult = birth.replace(year=birth.year + 18)
    return Subject(
        code=code,
        kind="person",
        name=names.person_name(rng),
        district=district,
        address=names.address(rng, district),
        since=max(adult, end - timedelta(days=3650)),
        risk=rng.lognormvariate(0.0, 1.1) * (0.6 + 0.4 * _district_risk(district)),
        virtue=rng.lognormvariate(0.0, 1.0),
        birth=birth,
        self_employed=rng.random() < SELF_EMPLOYED_SHARE,
    )


def _legacy_id(rng: random.Random, code: str) -> str:
    body = code[2:8] + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return body + str(mod_11_10.calc_check_digit(body))


def _firm(rng: random.Random, end: date, district: str, seen: set[str]) -> Subject:
    industries = [key for key, _words, _share in names.INDUSTRIES]
    shares = [share for _key, _words, share in names.INDUSTRIES]
    industry = rng.choices(industries, weights=shares)[0]
    code = _unique(generate_uscc, rng, seen)
    founded = end - timedelta(days=rng.randint(200, 25 * 365))
    return Subject(
        code=code,
        kind="organization",
        name=names.firm_name(rng, district, industry),
        district=district,
        address=names.address(rng, district),
        since=max(founded, end - timedelta(days=3650)),
        risk=rng.lognormvariate(0.0, 1.3) * _district_risk(district) * _INDUSTRY_RISK[industry],
        virtue=rng.lognormvariate(0.0, 1.0),
        industry=industry,
        legacy_id=_legacy_id(rng, code),
        founded=founded,
    )


def make_population(rng: random.Random, people: int, organizations: int, end: date) -> Population:
    """``people`` residents and ``organizations`` firms with unique, valid codes."""
    keys, cum = _district_picker(rng)
    seen: set[str] = set()
    persons = [
        _person(rng, end, rng.choices(keys, cum_weights=cum)[0], seen) for _ in range(people)
    ]
    firms = [
        _firm(rng, end, rng.choices(keys, cum_weights=cum)[0], seen) for _ in range(organizations)
    ]
    return Population(people=persons, organizations=firms)
