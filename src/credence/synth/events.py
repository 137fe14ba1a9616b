"""Events as they happened, before any source writes them down in its own way.

A ``Plan`` says how often a kind of event happens and to whom; subjects are drawn with
replacement in proportion to their risk (or virtue, for good deeds), which clusters penalties on
a few firms and districts and leaves most subjects clean.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Literal

from credence.model import CONSENT_GRANTED, CONSENT_WITHDRAWN
from credence.synth.consent import ConsentBook
from credence.synth.population import Population, Subject

Weighting = Literal["risk", "virtue", "flat"]

# Propensity above this no longer raises a subject's share of penalties: with two hundred kinds
# of record, an unbounded tail would pile hundreds of penalties on the single riskiest firm.
RISK_CEILING = 15.0


@dataclass(frozen=True, slots=True)
class Plan:
    """How one kind of event happens: to whom, how often, for how much."""

    kind: str
    subject_kind: str  # person | organization
    rate: float  # events per eligible subject over the ten years
    weight: Weighting = "risk"
    industries: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    self_employed: bool = False  # people: only the self-employed
    platform: str | None = None  # only members of this private source, after they joined
    amount: tuple[float, float] | None = None  # lognormal median and sigma
    attributes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # drawn uniformly


@dataclass(slots=True)
class Event:
    subject: Subject
    kind: str
    when: date
    amount: float | None
    attributes: dict[str, Any]
    consent_ref: str | None = None
    key: str | None = None  # the source's own key when it has one (consent ids)


class EventMaker:
    """Draws events for plans; remembers who is eligible for what so big cities stay fast."""

    def __init__(self, population: Population, consents: ConsentBook, end: date) -> None:
        self.population = population
        self.consents = consents
        self.end = end
        self._pools: dict[tuple[Any, ...], tuple[list[Subject], list[float]]] = {}

    def _pool(self, plan: Plan) -> tuple[list[Subject], list[float]]:
        key = (plan.subject_kind, plan.industries, plan.districts, plan.self_employed,
               plan.platform, plan.weight)
        if key not in self._pools:
            people = plan.subject_kind == "person"
            subjects = self.population.people if people else self.population.organizations
            members = self.consents.members.get(plan.platform or "", {})
            chosen = [
                s
                for s in subjects
                if (not plan.industries or s.industry in plan.industries)
                and (not plan.districts or s.district in plan.districts)
                and (not plan.self_employed or s.self_employed)
                and (plan.platform is None or s.code in members)
            ]
            weights: list[float]
            if plan.weight == "risk":
                weights = [min(s.risk, RISK_CEILING) ** 1.35 for s in chosen]
            elif plan.weight == "virtue":
                weights = [(s.virtue / (1.0 + s.risk)) ** 1.5 for s in chosen]
            else:
                weights = [1.0] * len(chosen)
            self._pools[key] = (chosen, list(accumulate(weights)))
        return self._pools[key]

    def _when(self, rng: random.Random, start: date) -> date:
        """A day between ``start`` and the end date, more often recent (sources digitised)."""
        span = (self.end - start).days
        return self.end - timedelta(days=int(span * rng.random() ** 1.25))

    def make(self, rng: random.Random, plan: Plan) -> list[Event]:
        """The events of one plan, in no particular order."""
        chosen, cum = self._pool(plan)
        if not chosen:
            return []
        expected = plan.rate * len(chosen)
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        members = self.consents.members.get(plan.platform or "", {})
        median = math.log(plan.amount[0]) if plan.amount else 0.0
        events: list[Event] = []
        for subject in rng.choices(chosen, cum_weights=cum, k=count):
            start = subject.since
            ref = None
            if plan.platform is not None:
                member = members[subject.code]
                start, ref = max(start, member.joined), member.consent_ref
            amount = None
            if plan.amount is not None:
                amount = round(rng.lognormvariate(median, plan.amount[1]), 2)
            attributes = {name: rng.choice(values) for name, values in plan.attributes.items()}
            events.append(
                Event(subject, plan.kind, self._when(rng, start), amount, attributes, ref)
            )
        return events


def consent_events(book: ConsentBook) -> list[Event]:
    """The registry's rows: each grant, and each withdrawal as a record of its own."""
    events: list[Event] = []
    for consent in book.consents:
        scope = {"scope": consent.scope}
        events.append(
            Event(consent.subject, CONSENT_GRANTED, consent.granted, None, scope,
                  key=consent.consent_id)
        )
        if consent.withdrawn is not None:
            events.append(
                Event(consent.subject, CONSENT_WITHDRAWN, consent.withdrawn, None, dict(scope),
                      key=consent.withdrawal_id)
            )
    return events
