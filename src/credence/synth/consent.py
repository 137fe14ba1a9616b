"""Who consented to what: scoring opt-ins for people, and private-platform consents.

About 85% of people opt in to scoring and a few withdraw later. Every member of a private platform
gets a consent with that platform as its scope, except a few whose consent never reached the
registry: their platform rows still carry a reference, which matches nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from credence.model import SCORING_SCOPE
from credence.synth.population import Population, Subject

SCORING_SHARE = 0.85
WITHDRAW_SHARE = 0.04
MISSING_PRIVATE_SHARE = 0.03


@dataclass(frozen=True, slots=True)
class Platform:
    """A private source and the share of people and firms that use it."""

    source: str
    person_share: float
    organization_share: float


@dataclass(slots=True)
class Consent:
    """One consent as the registry holds it (``consent_id`` names the grant)."""

    subject: Subject
    scope: str
    granted: date
    withdrawn: date | None = None
    consent_id: str = ""
    withdrawal_id: str = ""


@dataclass(slots=True)
class Membership:
    """A subject on a private platform: since when, and the reference its rows carry."""

    joined: date
    consent_ref: str
    consented: bool


@dataclass(slots=True)
class ConsentBook:
    consents: list[Consent]
    members: dict[str, dict[str, Membership]] = field(default_factory=dict)  # source → code → …

    def scoring_codes(self) -> set[str]:
        """Every subject whose scoring consent stands at the end date."""
        return {
            c.subject.code for c in self.consents if c.scope == SCORING_SCOPE and not c.withdrawn
        }


def _some_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def make_consents(
    rng: random.Random, population: Population, platforms: list[Platform], end: date
) -> ConsentBook:
    """Draw every consent and membership, then number the consents in registry order."""
    consents: list[Consent] = []
    for person in population.people:
        if rng.random() >= SCORING_SHARE:
            continue
        granted = _some_day(rng, max(person.since, end - timedelta(days=8 * 365)), end)
        consent = Consent(subject=person, scope=SCORING_SCOPE, granted=granted)
        if rng.random() < WITHDRAW_SHARE and granted < end - timedelta(days=30):
            consent.withdrawn = _some_day(rng, granted + timedelta(days=30), end)
        consents.append(consent)

    pending: dict[str, list[tuple[Subject, date, bool]]] = {}
    for platform in platforms:
        chosen = pending.setdefault(platform.source, [])
        for subject in population.all():
            share = (
                platform.person_share if subject.kind == "person" else platform.organization_share
            )
            if rng.random() >= share:
                continue
            joined = _some_day(rng, max(subject.since, end - timedelta(days=7 * 365)), end)
            consented = rng.random() >= MISSING_PRIVATE_SHARE
            chosen.append((subject, joined, consented))
            if consented:
                consents.append(Consent(subject=subject, scope=platform.source, granted=joined))

    consents.sort(key=lambda c: (c.granted, c.subject.code, c.scope))
    for number, consent in enumerate(consents, start=1):
        consent.consent_id = f"CR{number:08d}"
    withdrawn = sorted(
        (c for c in consents if c.withdrawn), key=lambda c: (c.withdrawn, c.consent_id)
    )
    for number, consent in enumerate(withdrawn, start=1):
        consent.withdrawal_id = f"CW{number:08d}"

    by_key = {(c.subject.code, c.scope): c.consent_id for c in consents}
    book = ConsentBook(consents=consents)
    missing = 0
    for source, chosen in pending.items():
        members: dict[str, Membership] = {}
        for subject, joined, consented in chosen:
            if consented:
                ref = by_key[(subject.code, source)]
            else:
                missing += 1
                ref = f"CR9{missing:07d}"  # a reference the registry never issued
            members[subject.code] = Membership(joined=joined, consent_ref=ref, consented=consented)
        book.members[source] = members
    return book

